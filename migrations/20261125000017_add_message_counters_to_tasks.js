/**
 * Per-task message counters, kept in the same transaction as every message state change, so the task list
 * shows delivered / failed / pending for a page of tasks without counting 100,000-row tasks on each view.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('submitted_count').notNullable().defaultTo(0);
    t.integer('delivered_count').notNullable().defaultTo(0);
    t.integer('failed_count').notNullable().defaultTo(0);
    t.integer('rejected_count').notNullable().defaultTo(0);
    t.integer('cancelled_count').notNullable().defaultTo(0);
  });
  // Tasks that existed before the counters: count them once.
  for (const [column, statuses] of [
    ['submitted_count', ['submitted', 'delivered', 'failed']],
    ['delivered_count', ['delivered']],
    ['failed_count', ['failed']],
    ['rejected_count', ['rejected']],
    ['cancelled_count', ['cancelled']],
  ]) {
    await knex('tasks').update({
      [column]: knex('messages').count('*').whereRaw('messages.task_id = tasks.id').whereIn('status', statuses),
    });
  }
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column submitted_count');
  await knex.raw('alter table tasks drop column delivered_count');
  await knex.raw('alter table tasks drop column failed_count');
  await knex.raw('alter table tasks drop column rejected_count');
  await knex.raw('alter table tasks drop column cancelled_count');
};
