/** Dispatch bookkeeping on tasks: who holds it (lease), when it really started and finished. */
exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.string('lease_owner', 64).nullable();
    t.string('lease_until', 32).nullable();
    t.string('started_at', 32).nullable();
    t.string('completed_at', 32).nullable();
    t.string('cancelled_at', 32).nullable();
  });

// SQL's own DROP COLUMN, not knex's SQLite table rebuild, which would cascade-delete rows referencing this table.
exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column lease_owner');
  await knex.raw('alter table tasks drop column lease_until');
  await knex.raw('alter table tasks drop column started_at');
  await knex.raw('alter table tasks drop column completed_at');
  await knex.raw('alter table tasks drop column cancelled_at');
};
