/**
 * The one seam that makes tests engine-aware (issue 13). Under `npm test` a test database is SQLite (in memory, or
 * a file in the test's temp dir); under `npm run test:pg` (TEST_DATABASE_URL set by test/pg/run-pg.ts) it is a
 * PostgreSQL database of its own, copied from the migrated template or created empty, and dropped afterwards.
 */
import crypto from 'node:crypto';
import { createDb, migrateLatest, type Db, type DbOptions } from '../../src/db/knex';
import { TEMPLATE_DATABASE } from '../pg/suite';

export interface TestDatabase {
  db: Db;
  /** What createDb was given: a file, ':memory:' or a postgres:// URL (for a spawned server's DATABASE_URL). */
  target: string;
  /** Destroys the knex and, on PostgreSQL, drops the database. */
  drop(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

export function onPostgres(): boolean {
  return TEST_DATABASE_URL !== undefined;
}

let created = 0;

/** The server URL with another database name. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const admin = createDb(TEST_DATABASE_URL!, { poolMax: 1 });
  try {
    await admin.raw(sql);
  } finally {
    await admin.destroy();
  }
}

/** A new, empty (migrated: false) or migrated PostgreSQL database: its URL and how to drop it. */
export async function createPgDatabase(migrated: boolean, createOptions = ''): Promise<{ url: string; drop(): Promise<void> }> {
  created += 1;
  const name = `qunfa_t${process.pid}_${created}_${crypto.randomBytes(4).toString('hex')}`;
  // template0 for an empty one: the default template1 may hold objects a careless test left. `createOptions`
  // (LOCALE_PROVIDER …) only for an empty one: a copy keeps its template's locale.
  await adminQuery(`create database ${name} template ${migrated ? TEMPLATE_DATABASE : 'template0'} ${createOptions}`);
  return { url: withDatabase(TEST_DATABASE_URL!, name), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

/**
 * A fresh database for one test. `file`: SQLite only, the file to use instead of memory. `migrated: false` leaves
 * it empty (the migration tests).
 */
export async function createTestDatabase(options: { file?: string; migrated?: boolean; db?: DbOptions } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (onPostgres()) {
    const pg = await createPgDatabase(migrated);
    const db = createDb(pg.url, { poolMax: 5, ...options.db });
    return {
      db,
      target: pg.url,
      async drop() {
        await db.destroy();
        await pg.drop();
      },
    };
  }
  const target = options.file ?? ':memory:';
  const db = createDb(target, options.db);
  if (migrated) await migrateLatest(db);
  return { db, target, drop: () => db.destroy() };
}

/** The app's tables (not knex's bookkeeping nor SQLite's own), by name. */
export async function appTableNames(db: Db): Promise<string[]> {
  const names = onPostgres()
    ? ((await db('information_schema.tables').where({ table_schema: db.raw('current_schema()'), table_type: 'BASE TABLE' }).pluck('table_name')) as string[])
    : ((await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').pluck('name')) as string[]);
  return names.filter((n) => !n.startsWith('knex_migrations')).sort();
}

/** The order rows sit in (SQLite's rowid, PostgreSQL's ctid): to compare a table before and after a request. */
export function storageOrder(): string {
  return onPostgres() ? 'ctid' : 'rowid';
}

/** Drops a table under a running app, as a botched manual change would (PostgreSQL wants the dependants gone too). */
export async function dropTableUnderApp(db: Db, table: string): Promise<void> {
  await db.raw(onPostgres() ? `drop table ${table} cascade` : `drop table ${table}`);
}
