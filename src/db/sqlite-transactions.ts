import type Database from 'better-sqlite3';
import { DEFAULT_BUSY_WAIT_MS, retryWhileBusy } from './busy-retry';
import type { Knex } from 'knex';
import { writesOpen } from './write-gate';

interface Connection {
  inTransaction: boolean;
}

interface TransactionInternals {
  trxClient: { query(conn: unknown, sql: string): Promise<unknown> };
  userParams?: { busyWaitMs?: number };
  client: { config: { busyWaitMs?: number } };
  doNotRejectOnRollback?: boolean;
  _completed: boolean;
  _resolver(value?: unknown): void;
  _rejecter(err: unknown): void;
}

type Begin = (this: TransactionInternals, conn: Connection) => Promise<unknown>;
type Rollback = (this: TransactionInternals, conn: Connection, error: unknown) => Promise<unknown>;

/**
 * How knex's SQLite transactions begin and end; knex has no option for either, so its SQLite transaction class is
 * adjusted once here (knex is pinned by the lockfile).
 *
 * Begin: BEGIN IMMEDIATE instead of knex's plain BEGIN. A deferred transaction that reads and then writes fails at
 * once with SQLITE_BUSY when another process wrote in between, and waiting does not help it; an immediate one
 * takes the write lock up front, so the BEGIN is the one statement that can meet the lock, and it is retried
 * without blocking the event loop (busy-retry.ts). If it gives up, the body never runs: nothing half-done.
 * A transaction may wait less: `db.transaction(fn, { userParams: { busyWaitMs } })` (the health probe does).
 * It first waits out a pause asked for by the WAL checkpointer (write-gate.ts).
 *
 * Rollback: SQLite itself rolls the whole transaction back on some errors (SQLITE_FULL, SQLITE_IOERR, …). knex's
 * ROLLBACK then fails ("no transaction is active") and that error replaced the real one: a full disk showed as
 * a 500 instead of a 507. When SQLite has already rolled back, the transaction ends with the real error.
 */
export function adjustSqliteTransactions(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as {
    prototype: { begin: Begin; rollback: Rollback; rollbackTo: Rollback };
  };
  const { rollback, rollbackTo } = SqliteTransaction.prototype;
  SqliteTransaction.prototype.begin = async function begin(conn) {
    await writesOpen(this.client);
    const budget = this.userParams?.busyWaitMs ?? this.client.config.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
    return retryWhileBusy(() => this.trxClient.query(conn, 'BEGIN IMMEDIATE;'), budget);
  };
  function endWithoutRollback(trx: TransactionInternals, error: unknown): Promise<void> {
    trx._completed = true;
    if (error === undefined && trx.doNotRejectOnRollback) trx._resolver();
    else trx._rejecter(error ?? new Error('Transaction rolled back'));
    return Promise.resolve();
  }
  SqliteTransaction.prototype.rollback = function rollbackUnlessDone(conn, error) {
    return conn.inTransaction ? rollback.call(this, conn, error) : endWithoutRollback(this, error);
  };
  // A savepoint (a nested transaction) is gone with the transaction it was in.
  SqliteTransaction.prototype.rollbackTo = function rollbackToUnlessDone(conn, error) {
    return conn.inTransaction ? rollbackTo.call(this, conn, error) : endWithoutRollback(this, error);
  };
}

/** The answer of immediateOnPool when the write lock was not to be had at once. */
export const LOCK_BUSY = Symbol('the write lock is busy');

interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<unknown>;
}

/**
 * `work` in one BEGIN IMMEDIATE transaction on the SQLite write connection itself, synchronously, outside knex: for
 * the dispatcher's batches (dispatch-writes.service.ts), where a knex transaction and its queries cost as much CPU as
 * the statements they run. Committed if `work` returns, rolled back if it throws. It takes the pool's connection
 * as a knex transaction does, so the app's writers queue behind it, and first waits out a pause the WAL checkpointer
 * asked for (write-gate.ts). When another process holds the write lock past the connection's short busy_timeout,
 * it answers LOCK_BUSY with nothing done: the caller then takes knex's way, whose BEGIN waits without blocking.
 */
export async function immediateOnPool<T>(db: Knex, work: (conn: Database.Database) => T): Promise<T | typeof LOCK_BUSY> {
  await writesOpen(db.client);
  const client = db.client as PoolClient;
  const conn = (await client.acquireConnection()) as Database.Database;
  try {
    try {
      conn.prepare('BEGIN IMMEDIATE').run();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return LOCK_BUSY;
      throw err;
    }
    try {
      const value = work(conn);
      conn.prepare('COMMIT').run();
      return value;
    } catch (err) {
      // SQLite may have rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR): see adjustSqliteTransactions.
      if (conn.inTransaction) conn.prepare('ROLLBACK').run();
      throw err;
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
