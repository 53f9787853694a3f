/**
 * Issue 11: the messages a cloud account must still ask its provider about for their receipt (Alibaba's
 * QuerySendDetails, UCloud's GetUSMSSendReceipt: nothing is handed out unasked). Written when the provider accepts a
 * message, removed once its receipt is applied, so a restart resumes the asking where it stopped. `asked_at` puts
 * the ones asked longest ago first, so a large send is asked about in turn. Per account, not per task: a message
 * sent through a fallback account is asked of the account that took it.
 */
exports.up = async (knex) => {
  await knex.schema.createTable('cloud_receipt_waits', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('id').inTable('carrier_accounts').onDelete('CASCADE');
    t.string('carrier_message_id', 128).notNullable();
    t.string('phone', 32).notNullable();
    t.string('sent_at', 32).notNullable();
    t.string('asked_at', 32).nullable();
    t.unique(['account_id', 'carrier_message_id']);
    t.index(['account_id', 'asked_at', 'id']);
  });
};

exports.down = (knex) => knex.schema.dropTable('cloud_receipt_waits');
