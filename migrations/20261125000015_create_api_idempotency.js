/** Answers to POST /api/v1/tasks by Idempotency-Key, so a retried request returns the first answer. */
exports.up = (knex) =>
  knex.schema.createTable('api_idempotency', (t) => {
    t.increments('id');
    t.integer('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.string('idem_key', 128).notNullable();
    t.integer('status').notNullable();
    t.text('body').notNullable();
    t.string('created_at', 32).notNullable();
    t.unique(['api_key_id', 'idem_key']);
  });

exports.down = (knex) => knex.schema.dropTable('api_idempotency');
