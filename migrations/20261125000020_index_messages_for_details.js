/**
 * Indexes for the task details page, its exports and the retention job (issue 5), so each stays an index range
 * at 1,000,000 messages per task:
 * - (task_id, phone): an exact number is an equality that still yields rows in id order (SQLite keeps the rowid,
 *   i.e. messages.id, as the last column of every index); a prefix is a range of it, and its count is index-only.
 * - (task_id, code, id): the receipt-code filter, in id order for keyset pagination, and its count.
 * - (task_id, submitted_at): the actual send time per day (min, max and count per local day, index-only).
 * - receipts (message_id): receipts reference messages; without it every message deleted by the retention job
 *   would scan the whole receipts table for children (ON DELETE CASCADE and the explicit delete alike).
 * (task_id, status, id) and (task_id, id) exist already (migrations 08 and 11).
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('messages', (t) => {
    t.index(['task_id', 'phone'], 'messages_task_id_phone_index');
    t.index(['task_id', 'code', 'id'], 'messages_task_id_code_id_index');
    t.index(['task_id', 'submitted_at'], 'messages_task_id_submitted_at_index');
  });
  await knex.schema.alterTable('receipts', (t) => {
    t.index(['message_id'], 'receipts_message_id_index');
  });
};

exports.down = async (knex) => {
  await knex.schema.alterTable('receipts', (t) => {
    t.dropIndex(['message_id'], 'receipts_message_id_index');
  });
  await knex.schema.alterTable('messages', (t) => {
    t.dropIndex(['task_id', 'phone'], 'messages_task_id_phone_index');
    t.dropIndex(['task_id', 'code', 'id'], 'messages_task_id_code_id_index');
    t.dropIndex(['task_id', 'submitted_at'], 'messages_task_id_submitted_at_index');
  });
};
