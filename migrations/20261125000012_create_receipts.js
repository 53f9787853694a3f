/**
 * Every final outcome of a message (delivery receipt, rejection at submit, failure after retries) in arrival
 * order: the id is the receipts API cursor, so a reader following it sees each receipt exactly once.
 */
exports.up = (knex) =>
  knex.schema.createTable('receipts', (t) => {
    t.increments('id');
    t.integer('message_id').notNullable().references('messages.id').onDelete('CASCADE');
    t.string('task_id', 16).notNullable().references('tasks.id').onDelete('CASCADE');
    t.string('phone', 16).notNullable();
    t.string('status', 16).notNullable();
    t.string('code', 32).nullable();
    t.string('description', 255).nullable();
    t.string('sent_at', 32).nullable();
    t.string('reported_at', 32).notNullable();
    t.index(['task_id', 'id']);
  });

exports.down = (knex) => knex.schema.dropTable('receipts');
