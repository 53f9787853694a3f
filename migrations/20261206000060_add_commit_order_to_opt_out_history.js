/**
 * PostgreSQL only (issue 14): the opt-out snapshot (src/services/opt-out-snapshot.service.ts) reads the changes
 * after the last one it saw, by id. There ids are taken when a row is inserted, not when its transaction commits: a
 * change with id 501 can commit after 502 was read, and the snapshot would miss it. `txid` is the writing
 * transaction's id (pg_current_xact_id(), as migration 20261205000204 gives receipts); each read also reads again
 * the changes of every transaction that was still running at the previous one (txid >= its
 * pg_snapshot_xmin(pg_current_snapshot())), which the index serves. SQLite has one writer and keeps the id alone.
 */
const isPostgres = (knex) => knex.client.config.client === 'pg';

/** Changes nothing on SQLite (migrations.test.ts then expects no schema change from it there). */
exports.onlyOn = 'pg';

exports.up = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('alter table opt_out_history add column txid xid8 not null default pg_current_xact_id()');
  await knex.raw('create index opt_out_history_txid_index on opt_out_history (txid)');
};

exports.down = async (knex) => {
  if (!isPostgres(knex)) return;
  await knex.raw('alter table opt_out_history drop column txid');
};
