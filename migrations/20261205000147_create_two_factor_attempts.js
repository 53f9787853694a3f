/**
 * Issue 14: wrong codes at the sign-in code step, counted per user + IP like login_attempts counts wrong passwords.
 * A table of their own because a right password clears that pair's login_attempts: shared, every correct password
 * would hand someone who knows it a fresh set of code guesses.
 */
exports.up = (knex) =>
  knex.schema.createTable('two_factor_attempts', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('ip', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['user_id', 'ip', 'created_at']);
  });

exports.down = (knex) => knex.schema.dropTable('two_factor_attempts');
