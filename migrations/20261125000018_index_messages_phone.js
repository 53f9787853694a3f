/**
 * The task list's phone search ("which tasks sent to this number?", issue 5) looks a number up across every
 * task: (phone, task_id) answers it from the index alone, one entry per message to that number, instead of
 * scanning every message row. (task_id, phone) from migration 20 serves the search within one task instead.
 */
exports.up = (knex) =>
  knex.schema.alterTable('messages', (t) => {
    t.index(['phone', 'task_id'], 'messages_phone_task_id_index');
  });

exports.down = (knex) =>
  knex.schema.alterTable('messages', (t) => {
    t.dropIndex(['phone', 'task_id'], 'messages_phone_task_id_index');
  });
