import type { Knex } from 'knex';
import { DEFAULT_BUSY_WAIT_MS, retryWhileBusy } from './busy-retry';
import { writesOpen } from './write-gate';

interface Builder {
  _method?: string;
  _connection?: unknown;
  sql?: unknown;
}

interface Runner {
  run(): Promise<unknown>;
}

interface RunnerClient {
  runner(builder: Builder): Runner;
  config: { busyWaitMs?: number };
}

const READ_METHODS = new Set(['select', 'first', 'pluck']);

/** A query builder's select, or a raw `select …`: what the read-only connection can answer. */
function isRead(builder: Builder): boolean {
  if (builder._connection !== undefined) return false;
  if (typeof builder.sql === 'string') return /^\s*select\b/i.test(builder.sql);
  return builder._method !== undefined && READ_METHODS.has(builder._method);
}

/**
 * Decides, statement by statement, where a query outside a transaction runs, so that no handler has to choose:
 *
 * - a read goes to the read-only connection (`read`), which a writer never blocks under WAL, nor our own write
 *   connection waiting for another process's lock: pages that only read keep answering while writes wait;
 * - a write goes to the write connection and, if it meets another process's lock, is retried without blocking the
 *   event loop (busy-retry.ts). One autocommit statement that fails busy has done nothing, so retrying is safe.
 *   It first waits out a pause asked for by the WAL checkpointer (write-gate.ts).
 *
 * Statements inside a transaction run on the transaction's own client (knex makes one per transaction from the
 * dialect's prototype, not from this instance), so they stay on the write connection and see their own writes.
 * A read outside a transaction sees every write committed before it started, as on the one connection before.
 */
export function routeStatements(write: Knex, read: Knex | undefined): void {
  const client = write.client as unknown as RunnerClient;
  const makeRunner = client.runner.bind(client);
  const readClient = read?.client as unknown as RunnerClient | undefined;
  client.runner = (builder: Builder) => {
    if (readClient && isRead(builder)) return readClient.runner(builder);
    const runner = makeRunner(builder);
    const budget = client.config.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
    // Each attempt gets a runner of its own: a runner keeps the connection and state of its one run.
    runner.run = async () => {
      await writesOpen(client);
      return retryWhileBusy(() => makeRunner(builder).run(), budget);
    };
    return runner;
  };
}
