/**
 * Messages that failed without the carrier ever accepting them (their retries ran out), per task. With it, a task's
 * counters alone say how many messages are not handed over yet (recipients - accepted - rejected - these -
 * cancelled), so every view computes a task's counts from its row, even after the retention job removed its messages.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('unsent_failed_count').notNullable().defaultTo(0);
  });
  // Tasks sent before the counter: a failed message the carrier never accepted has no carrier id.
  await knex('tasks').update({
    unsent_failed_count: knex('messages').count('*').whereRaw('messages.task_id = tasks.id').where('status', 'failed').whereNull('carrier_message_id'),
  });
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column unsent_failed_count');
};
