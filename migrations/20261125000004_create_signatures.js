exports.up = (knex) =>
  knex.schema.createTable('signatures', (t) => {
    t.increments('id');
    t.string('name', 32).notNullable().unique();
    t.string('status', 16).notNullable().index();
    t.string('review_reason', 500).nullable();
    t.integer('reviewed_by').nullable().references('users.id');
    t.string('reviewed_at', 32).nullable();
    t.integer('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('signatures');
