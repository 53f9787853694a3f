/**
 * Locks that keep several instances on one PostgreSQL database (issue 13) from doing at once what must happen once
 * or in turn. On SQLite each is a no-op or runs plainly: every transaction there already begins with the write lock
 * (BEGIN IMMEDIATE, sqlite-transactions.ts), and one SQLite file has one process writing it.
 *
 * PostgreSQL's advisory locks take a 64-bit key; ours are names, hashed by the server (hashtextextended).
 */
import type { Knex } from 'knex';
import { isPostgres } from './dialect';

/** Makes the transactions that name `key` take turns from here until each ends. */
export async function serializeOn(trx: Knex.Transaction, key: string): Promise<void> {
  if (isPostgres(trx)) await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
}

/**
 * Runs `work` while this process holds the lock `key`; another instance asking for it waits until `work` is done.
 * The lock is held by a transaction on a connection of its own, so `work` uses the pool's other connections (the
 * pool must allow two; DATABASE_POOL_MAX starts at 2).
 */
export async function whileHolding<T>(db: Knex, key: string, work: () => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return work();
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
    return work();
  });
}

/**
 * Runs `work` in a transaction only if no other instance is running the same `key` right now: the jobs every
 * instance schedules (retention, cleanup, draft expiry) then run once, not once per instance. Returns undefined
 * when another instance had it.
 */
export async function onceAcrossInstances<T>(db: Knex, key: string, work: () => Promise<T>): Promise<T | undefined> {
  if (!isPostgres(db)) return work();
  return db.transaction(async (trx) => {
    const [row] = (await trx.raw('select pg_try_advisory_xact_lock(hashtextextended(?, 0)) as locked', [key])).rows as { locked: boolean }[];
    if (!row.locked) return undefined;
    return work();
  });
}
