/**
 * Messages whose submit_sm was written but never answered (the line dropped, the process was killed): the SMSC may or
 * may not have them, so they end `unknown` (code SUBMIT_UNKNOWN) instead of being sent twice. Counted per task like
 * the other outcomes, so the counts hold after the retention job removed the messages.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('unknown_count').notNullable().defaultTo(0);
  });
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column unknown_count');
};
