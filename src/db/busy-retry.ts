import { DbBusyError, isBusyError } from './db-errors';

/**
 * How a write waits for SQLite's write lock without freezing the app.
 *
 * better-sqlite3 is synchronous: with `busy_timeout = 5000` a write that met another process's lock blocked the
 * whole event loop for up to 5 s, every time, and every other request with it. So the write connection waits only
 * a few milliseconds inside SQLite (BUSY_TIMEOUT_MS), and a write that still meets the lock is tried again after a
 * timer, the event loop free meanwhile, until `budgetMs` (about 5 s) has passed; then it fails with DbBusyError.
 */
export const BUSY_TIMEOUT_MS = 10;
export const DEFAULT_BUSY_WAIT_MS = 5000;
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY. Only for an attempt that does nothing when it fails
 * busy (one autocommit statement, or a BEGIN IMMEDIATE): retrying it cannot store anything twice.
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, budgetMs: number): Promise<T> {
  const start = Date.now();
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBusyError(err)) throw err;
      const waited = Date.now() - start;
      if (waited >= budgetMs) throw new DbBusyError(waited);
      await sleep(Math.min(pause, budgetMs - waited));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}

interface TransactionInternals {
  trxClient: { query(conn: unknown, sql: string): Promise<unknown> };
  userParams?: { busyWaitMs?: number };
  client: { config: { busyWaitMs?: number } };
}

/**
 * Every SQLite transaction starts with BEGIN IMMEDIATE instead of knex's plain BEGIN. A deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY when another process wrote in between, and waiting does
 * not help it; an immediate one takes the write lock up front, so the BEGIN is the one statement that can meet
 * the lock, and it is retried as above. If it gives up, the transaction's body never runs: nothing half-done.
 * A transaction may wait less: `db.transaction(fn, { userParams: { busyWaitMs } })` (the health probe does).
 * knex has no option for any of this, so its SQLite transaction class is adjusted once here (knex is pinned by
 * the lockfile).
 */
export function beginImmediateWithRetry(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as {
    prototype: { begin(this: TransactionInternals, conn: unknown): Promise<unknown> };
  };
  SqliteTransaction.prototype.begin = function begin(conn: unknown) {
    const budget = this.userParams?.busyWaitMs ?? this.client.config.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
    return retryWhileBusy(() => this.trxClient.query(conn, 'BEGIN IMMEDIATE;'), budget);
  };
}
