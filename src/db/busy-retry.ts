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
