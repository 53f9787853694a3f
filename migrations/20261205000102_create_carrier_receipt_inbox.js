/**
 * Delivery receipts an SMPP account received, committed before the deliver_sm_resp is sent: a crash before the
 * commit makes the SMSC send the receipt again, and a repeat (same account, id and stat) is stored once. The
 * dispatcher applies them from here and marks them applied; a receipt whose message is not known yet goes on to
 * orphan_receipts as any early receipt does.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('carrier_receipt_inbox', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('id').inTable('carrier_accounts').onDelete('CASCADE');
    t.string('carrier_message_id', 128).notNullable();
    t.string('outcome', 16).notNullable();
    t.string('code', 64).notNullable();
    t.text('description').notNullable();
    t.string('received_at', 32).notNullable();
    t.string('applied_at', 32).nullable();
    t.unique(['account_id', 'carrier_message_id', 'code']);
    t.index(['account_id', 'applied_at', 'id']);
  });
};

exports.down = (knex) => knex.schema.dropTable('carrier_receipt_inbox');
