/** Failed logins, counted per username + IP for throttling; kept in the database so a restart does not reset it. */
exports.up = (knex) =>
  knex.schema.createTable('login_attempts', (t) => {
    t.increments('id');
    t.string('username', 64).notNullable();
    t.string('ip', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['username', 'ip', 'created_at']);
  });

exports.down = (knex) => knex.schema.dropTable('login_attempts');
