/**
 * PostgreSQL only (issue 13): the receipts feed follows commit order, not id order. There ids are taken when a
 * row is inserted, not when its transaction commits: a receipt with id 15001 can commit after 15002 was read,
 * and a cursor at 15002 skipped it for ever. `txid` is the writing transaction's id (pg_current_xact_id(), 64-bit,
 * never wrapping); the feed returns only rows whose transaction ended before every running one began
 * (txid < pg_snapshot_xmin(pg_current_snapshot())), in (txid, id) order, so no later commit can land behind a
 * cursor. Rows already there share the migration's txid and keep their id order. SQLite has one writer and keeps
 * its id cursor.
 */
const isPostgres = (knex) => knex.client.config.client === 'pg';

/** Changes nothing on SQLite (migrations.test.ts then expects no schema change from it there). */
exports.onlyOn = 'pg';

exports.up = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('alter table receipts add column txid xid8 not null default pg_current_xact_id()');
  await knex.raw('create index receipts_txid_id_index on receipts (txid, id)');
  await knex.raw('create index receipts_task_id_txid_id_index on receipts (task_id, txid, id)');
};

exports.down = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('alter table receipts drop column txid');
};
