import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { ROOT_DIR } from '../config';
import { BUSY_TIMEOUT_MS, DEFAULT_BUSY_WAIT_MS } from './busy-retry';
import { adjustSqliteTransactions } from './sqlite-transactions';
import { routeStatements } from './statement-routing';
import { keepStatements } from './sqlite-statements';
import { createPostgresDb, isPostgresUrl } from './postgres';

export type Db = Knex;

adjustSqliteTransactions();

export const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');

export const migrationConfig: Knex.MigratorConfig = {
  directory: MIGRATIONS_DIR,
  loadExtensions: ['.js'],
  tableName: 'knex_migrations',
};

type Connection = { pragma(sql: string): unknown; prepare(sql: string): unknown };
type Done = (err: Error | null, conn: unknown) => void;

/** The WAL file is cut back to this size after a checkpoint resets it (SQLite leaves it at its largest otherwise). */
export const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface DbOptions {
  /** The WAL is copied back by a thread of its own (wal-checkpointer.ts), not inside this connection's commits. */
  backgroundCheckpoint?: boolean;
  /** How long a write waits for another process's write lock before failing with DbBusyError (busy-retry.ts). */
  busyWaitMs?: number;
  /** PostgreSQL only: connections kept at most (DATABASE_POOL_MAX). */
  poolMax?: number;
}

function pooledConnection(filename: string, setUp: (conn: Connection) => void): Knex.Config {
  return {
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // An error's message names the SQL with `?` for its values: the values (session ids, phone numbers) must not
    // reach the logs, and every logged database error comes through here.
    compileSqlOnError: false,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: Connection, done: Done) {
        try {
          keepStatements(conn);
          if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
          setUp(conn);
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  };
}

/**
 * SQLite creates the -wal and -shm files with the database file's mode, and the database file with the process's
 * umask (often world-readable). Creating it empty with 0600 first keeps all three private.
 */
function createPrivately(filename: string): void {
  if (filename === ':memory:') return;
  fs.closeSync(fs.openSync(filename, 'a', 0o600));
}

/**
 * The app's database: two connections to one file.
 *
 * The write connection (one, so writes inside the process queue instead of failing with SQLITE_BUSY) runs every
 * write and every transaction. The read connection (one, `query_only`) answers the reads made outside a
 * transaction (statement-routing.ts): under WAL a reader is never blocked by a writer, in this process or another,
 * so pages that only read keep answering while a write waits for a lock. An in-memory database is private to its
 * connection, so it has only the write connection.
 */
export function createDb(filename: string, options: DbOptions = {}): Db {
  // A postgres:// URL (DATABASE_URL) instead of a file: postgres.ts; everything below is SQLite's.
  if (isPostgresUrl(filename)) return createPostgresDb(filename, { poolMax: options.poolMax });
  createPrivately(filename);
  const write = knexFactory({
    ...pooledConnection(filename, (conn) => {
      conn.pragma('foreign_keys = ON');
      conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      conn.pragma('synchronous = NORMAL');
      conn.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
      if (options.backgroundCheckpoint && filename !== ':memory:') conn.pragma('wal_autocheckpoint = 0');
    }),
    busyWaitMs: options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS,
  } as Knex.Config);
  if (filename === ':memory:') {
    routeStatements(write, undefined);
    return write;
  }
  const read = knexFactory(
    pooledConnection(filename, (conn) => {
      // Only while another connection recovers the WAL index: a reader never waits for a writer under WAL.
      conn.pragma('busy_timeout = 1000');
      conn.pragma('query_only = ON');
    }),
  );
  routeStatements(write, read);
  // `db.destroy()` closes both (knex's own destroy is read-only, its client's is not).
  const client = write.client as { destroy(callback?: unknown): Promise<void> };
  const destroyWrite = client.destroy.bind(client);
  client.destroy = async (callback?: unknown) => {
    await read.destroy();
    await destroyWrite(callback);
  };
  return write;
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest(migrationConfig);
}
