/** Accounts. Usernames are stored lower-cased so uniqueness is case-insensitive on every database. */
exports.up = (knex) =>
  knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('username', 32).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('role', 16).notNullable();
    t.string('locale', 8).nullable();
    t.string('disabled_at', 32).nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });

exports.down = (knex) => knex.schema.dropTable('users');
