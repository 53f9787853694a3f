/** One row per recipient of a task: the rendered text and its measured length, then its delivery state. */
exports.up = (knex) =>
  knex.schema.createTable('messages', (t) => {
    t.increments('id');
    t.string('task_id', 16).notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('row_number').notNullable();
    t.string('phone', 16).notNullable();
    t.text('params').notNullable();
    t.text('content').notNullable();
    t.integer('chars').notNullable();
    t.integer('segments').notNullable();
    t.string('status', 16).notNullable();
    t.index(['task_id', 'id']);
  });

exports.down = (knex) => knex.schema.dropTable('messages');
