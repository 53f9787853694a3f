/**
 * Issue 15: the confirm of 100,000 recipients spent about 400 ms of its 550 ms in the secondary indexes of
 * `messages`, most of it in the three keyed by the phone number, which take the new rows in random order.
 * (phone, task_id) (migration 18) served only the task list's search across tasks; that search now probes each task's
 * (task_id, phone) (migration 20) instead, so this one goes, and with it the most costly of the three: its entries
 * are spread over every task's numbers, so at a million rows its inserts miss the page cache the most.
 */
exports.up = (knex) =>
  knex.schema.alterTable('messages', (t) => {
    t.dropIndex(['phone', 'task_id'], 'messages_phone_task_id_index');
  });

exports.down = (knex) =>
  knex.schema.alterTable('messages', (t) => {
    t.index(['phone', 'task_id'], 'messages_phone_task_id_index');
  });
