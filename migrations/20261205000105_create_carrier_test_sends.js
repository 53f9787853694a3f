/**
 * Test messages an admin sent from /carriers through one account: the number, the text, the carrier's answer (its
 * ids, or the refusal's code) and who sent it. The receipt is not copied here: the page finds it by the carrier ids
 * (in carrier_receipt_inbox for SMPP, in orphan_receipts for the simulator), so it shows once it arrives.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('carrier_test_sends', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('id').inTable('carrier_accounts').onDelete('CASCADE');
    t.string('phone', 32).notNullable();
    t.text('text').notNullable();
    t.boolean('accepted').notNullable();
    t.text('carrier_message_ids').nullable();
    t.string('code', 64).nullable();
    t.text('description').nullable();
    t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.string('created_at', 32).notNullable();
    t.index(['account_id', 'id']);
  });
};

exports.down = (knex) => knex.schema.dropTable('carrier_test_sends');
