/**
 * SQLite's statement speed paths, in one place behind the batch-update seam (batch-update.ts): the connection's kept
 * statements, and a batch written as one short prepared statement run once per row.
 */
import type Database from 'better-sqlite3';
import type { Knex } from 'knex';

/**
 * knex prepares every query afresh (its better-sqlite3 client calls `connection.prepare(sql)` each time), and a page
 * runs eight or nine of them: preparing is a good part of each one's cost. The connection keeps its statements
 * by SQL text instead (the most recent 500), as SQLite's own API intends; a statement is reset after each use and
 * re-prepared by SQLite itself if the schema changes. knex never streams from better-sqlite3 nor sets per-query
 * statement modes (safeIntegers), so a statement is never busy or altered when it is handed out again.
 */
const STATEMENTS_KEPT = 500;

export function keepStatements(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  const kept = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = kept.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (kept.size >= STATEMENTS_KEPT) kept.delete(kept.keys().next().value!);
    } else kept.delete(sql);
    // Re-inserted, so the map's order is least recently used first.
    kept.set(sql, statement);
    return statement;
  };
}

/**
 * Runs one prepared statement once per row of bindings, synchronously, on the SQLite connection the transaction
 * holds (knex runs every query of a transaction on that one connection), and returns the rows changed in all.
 * On SQLite this beats a single statement for the whole batch (`case id when ? then ? …` of 200 branches, or an
 * UPDATE … FROM a JSON list costs it twice as much to run), and a knex query per row costs far more in knex.
 * Knex still calls the transaction's function when its BEGIN failed (busy past the wait), and only its own queries
 * then refuse to run; these statements would run outside any transaction, so they check first.
 */
export async function runEachRow(trx: Knex.Transaction, sql: string, rows: readonly (readonly unknown[])[]): Promise<number> {
  return runEachRowOn(await connectionInTransaction(trx), sql, rows);
}

/** As runEachRow, for a statement with RETURNING: per row of bindings, the row it returned (undefined: none changed). */
export async function getEachRow(trx: Knex.Transaction, sql: string, rows: readonly (readonly unknown[])[]): Promise<(Record<string, unknown> | undefined)[]> {
  const statement = (await connectionInTransaction(trx)).prepare(sql);
  return rows.map((bindings) => statement.get(...bindings) as Record<string, unknown> | undefined);
}

async function connectionInTransaction(trx: Knex.Transaction): Promise<Database.Database> {
  const connection = (await trx.client.acquireConnection()) as Database.Database;
  if (trx.isCompleted() || !connection.inTransaction) throw new Error('the transaction did not begin or is over');
  return connection;
}

/**
 * A knex query, compiled by knex and run synchronously on a better-sqlite3 connection held outside knex (the dispatch
 * writes thread, dispatch-writes.worker.ts): the same SQL as awaiting the query would run, without knex's runner and
 * its promises for each statement. A select answers its rows; a write, the rows it changed.
 */
export function runCompiled(conn: Database.Database, query: Knex.QueryBuilder): { rows: Record<string, unknown>[]; changes: number } {
  const { sql, bindings } = query.toSQL().toNative();
  const statement = conn.prepare(sql);
  if (statement.reader) return { rows: statement.all(...(bindings as unknown[])) as Record<string, unknown>[], changes: 0 };
  return { rows: [], changes: statement.run(...(bindings as unknown[])).changes };
}

/** Runs one short prepared statement once per row of bindings, on a connection held outside knex; the rows changed. */
export function runEachRowOn(conn: Database.Database, sql: string, rows: readonly (readonly unknown[])[]): number {
  const statement = conn.prepare(sql);
  let changes = 0;
  for (const bindings of rows) changes += statement.run(...bindings).changes;
  return changes;
}
