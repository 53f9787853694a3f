/**
 * PostgreSQL only (issue 13): migration 70's index is on substr(phone, -4), which on PostgreSQL is the whole number
 * (a negative start counts from before the first character), so no search uses it. There the last four digits are
 * right(phone, 4) (src/db/dialect.ts), indexed here in its place. SQLite keeps migration 70's index.
 */
const isPostgres = (knex) => knex.client.config.client === 'pg';

/** Changes nothing on SQLite (migrations.test.ts then expects no schema change from it there). */
exports.onlyOn = 'pg';

exports.up = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('drop index messages_task_id_phone_tail_index');
  await knex.raw('create index messages_task_id_phone_tail_index on messages (task_id, right(phone, 4))');
};

exports.down = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('drop index messages_task_id_phone_tail_index');
  await knex.raw('create index messages_task_id_phone_tail_index on messages (task_id, substr(phone, -4))');
};
