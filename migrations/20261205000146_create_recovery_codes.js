/**
 * Issue 14: ten one-time recovery codes per user with two-factor sign-in, shown once at enrolment. Only a SHA-256
 * hash is kept (the codes are random, so a slow password hash would add nothing); used_at marks a spent code.
 */
exports.up = (knex) =>
  knex.schema.createTable('recovery_codes', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.string('used_at', 32).nullable();
    t.string('created_at', 32).notNullable();
    t.unique(['user_id', 'code_hash']);
  });

exports.down = (knex) => knex.schema.dropTable('recovery_codes');
