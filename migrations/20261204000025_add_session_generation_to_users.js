/**
 * Issue 9: a per-user session generation. A session remembers the generation it was made in; a password reset,
 * disable or role change bumps it, so every older session of that user ends on its next request.
 *
 * down() drops the column with SQL's own ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): knex's SQLite
 * fallback rebuilds the table, and dropping the old `users` would cascade into the rows that refer to it.
 */
exports.up = (knex) =>
  knex.schema.alterTable('users', (t) => {
    t.integer('session_generation').notNullable().defaultTo(0);
  });

exports.down = (knex) => knex.raw('alter table users drop column session_generation');
