/**
 * The task's total characters, summed once when the draft is made (as total_segments already is): the details page
 * shows it without scanning 1,000,000 message rows (about 0.2 s), and it survives the retention job removing them.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('total_chars').notNullable().defaultTo(0);
  });
  // Tasks made before the column: sum them once.
  await knex('tasks').update({
    total_chars: knex.raw('coalesce((select sum(chars) from messages where messages.task_id = tasks.id), 0)'),
  });
};

// SQL's own DROP COLUMN: knex's SQLite rebuild of `tasks` inside the migration's transaction would cascade-delete
// every message (see 20261125000021).
exports.down = (knex) => knex.raw('alter table tasks drop column total_chars');
