/**
 * Since when a sending task waits because its carrier account (and its fallback) is down, or null. Shown as
 * "waiting for carrier" on /tasks and the task's page instead of failing its messages.
 */
exports.up = async (knex) => {
  await knex.schema.alterTable('tasks', (t) => {
    t.string('waiting_for_carrier_since', 32).nullable();
  });
};

exports.down = async (knex) => {
  await knex.raw('alter table tasks drop column waiting_for_carrier_since');
};
