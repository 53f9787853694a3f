/**
 * Send-time rules (issue 14): messages skipped because their number opted out after the confirm (`suppressed`) or
 * reached a frequency cap meanwhile (`capped`), counted on the task like every other final state; and, for a
 * marketing task paused by quiet hours, until when.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.integer('suppressed_count').notNullable().defaultTo(0);
    t.integer('capped_count').notNullable().defaultTo(0);
    t.string('quiet_paused_until', 32).nullable();
  });
};

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column suppressed_count');
  await knex.raw('alter table tasks drop column capped_count');
  await knex.raw('alter table tasks drop column quiet_paused_until');
};
