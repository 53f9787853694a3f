/**
 * The characters and segments of a task's cancelled messages (issue 12, item 2): a stopped task bills what it sent
 * only, total_segments - cancelled_segments, read from its row like every other count, also after the retention
 * job removed its messages.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('cancelled_segments').notNullable().defaultTo(0);
    t.integer('cancelled_chars').notNullable().defaultTo(0);
  });
  // Tasks stopped or cancelled before these counters.
  const sum = (column) => knex('messages').sum(column).whereRaw('messages.task_id = tasks.id').where('status', 'cancelled');
  await knex('tasks').where('cancelled_count', '>', 0).update({
    cancelled_segments: knex.raw('coalesce((?), 0)', [sum('segments')]),
    cancelled_chars: knex.raw('coalesce((?), 0)', [sum('chars')]),
  });
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column cancelled_chars');
  await knex.raw('alter table tasks drop column cancelled_segments');
};
