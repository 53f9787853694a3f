/**
 * Replies from handsets (MO messages), from any carrier account: SMPP deliver_sm without the receipt bit (issue 10),
 * the cloud providers' reply pulls and callbacks (issue 11). Stored as they arrive, already decoded and joined, so
 * /inbox lists them and the opt-out rules (issue 14) can act on "T" or "退订".
 * (account_id, carrier_ref) is unique where the carrier gives a reference, so a reply delivered twice (a crash
 * before the SMSC got our deliver_sm_resp, a repeated callback) is stored once.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('inbound_messages', (t) => {
    t.increments('id');
    t.integer('account_id').nullable().references('id').inTable('carrier_accounts').onDelete('SET NULL');
    t.string('phone', 32).notNullable();
    t.text('text').notNullable();
    t.string('received_at', 32).notNullable();
    t.string('carrier_ref', 128).nullable();
    t.string('created_at', 32).notNullable();
    t.unique(['account_id', 'carrier_ref']);
    t.index(['received_at', 'id']);
    t.index(['phone', 'id']);
  });
};

exports.down = (knex) => knex.schema.dropTable('inbound_messages');
