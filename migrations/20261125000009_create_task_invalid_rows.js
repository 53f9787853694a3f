/** Rows of an import that failed the check, kept to show and download with the report. */
exports.up = (knex) =>
  knex.schema.createTable('task_invalid_rows', (t) => {
    t.increments('id');
    t.string('task_id', 16).notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('row_number').notNullable();
    t.text('value').notNullable();
    t.string('reason', 32).notNullable();
    t.text('reason_params').nullable();
    t.index(['task_id', 'row_number']);
  });

exports.down = (knex) => knex.schema.dropTable('task_invalid_rows');
