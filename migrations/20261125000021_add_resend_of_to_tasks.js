/**
 * "Resend to failed" (issue 5): the task a draft was made from. Indexed, so a second resend of the same source finds
 * the draft already made instead of creating another, and the source's page lists its resends.
 *
 * No foreign key: on SQLite knex adds one by rebuilding the table, and inside the migration's transaction it cannot
 * switch foreign keys off, so dropping the old `tasks` would cascade-delete every message, receipt and invalid row.
 * (Tasks that are sources are never deleted; only drafts expire.) For the same reason down() drops the column with
 * SQL's own ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL) instead of knex's rebuild.
 */
exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.string('resend_of', 16).nullable();
    t.index(['resend_of'], 'tasks_resend_of_index');
  });

exports.down = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropIndex(['resend_of'], 'tasks_resend_of_index');
  });
  await knex.raw('alter table tasks drop column resend_of');
};
