/** Dispatch bookkeeping on tasks: who holds it (lease), when it really started and finished. */
exports.up = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.string('lease_owner', 64).nullable();
    t.string('lease_until', 32).nullable();
    t.string('started_at', 32).nullable();
    t.string('completed_at', 32).nullable();
    t.string('cancelled_at', 32).nullable();
  });

exports.down = (knex) =>
  knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('lease_owner');
    t.dropColumn('lease_until');
    t.dropColumn('started_at');
    t.dropColumn('completed_at');
    t.dropColumn('cancelled_at');
  });
