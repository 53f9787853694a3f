exports.up = (knex) =>
  knex.schema.createTable('templates', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable();
    t.string('sms_type', 16).notNullable();
    t.text('content').notNullable();
    t.string('status', 16).notNullable();
    t.string('review_reason', 500).nullable();
    t.integer('reviewed_by').nullable().references('users.id');
    t.string('reviewed_at', 32).nullable();
    t.integer('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['sms_type', 'status']);
  });

exports.down = (knex) => knex.schema.dropTable('templates');
