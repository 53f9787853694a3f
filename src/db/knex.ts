import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { ROOT_DIR } from '../config';

export type Db = Knex;

/**
 * Every SQLite transaction starts with BEGIN IMMEDIATE instead of knex's plain BEGIN. A deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY when another process (a second app instance) wrote in
 * between, and busy_timeout does not help it; an immediate one takes the write lock up front and waits for it.
 * knex has no option for this, so its SQLite transaction class is adjusted once here (knex is pinned by the lockfile).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as {
  prototype: { begin(conn: unknown): Promise<unknown>; query(conn: unknown, sql: string): Promise<unknown> };
};
SqliteTransaction.prototype.begin = function begin(conn: unknown) {
  return this.query(conn, 'BEGIN IMMEDIATE;');
};

/**
 * knex prepares every query afresh (its better-sqlite3 client calls `connection.prepare(sql)` each time), and a page
 * runs eight or nine of them: preparing is a good part of each one's cost. The connection keeps its statements
 * by SQL text instead (the most recent 500), as SQLite's own API intends; a statement is reset after each use and
 * re-prepared by SQLite itself if the schema changes. knex never streams from better-sqlite3 nor sets per-query
 * statement modes (safeIntegers), so a statement is never busy or altered when it is handed out again.
 */
const STATEMENTS_KEPT = 500;

function keepStatements(conn: { prepare(sql: string): unknown }): void {
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

export const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');

export const migrationConfig: Knex.MigratorConfig = {
  directory: MIGRATIONS_DIR,
  loadExtensions: ['.js'],
  tableName: 'knex_migrations',
};

/**
 * The one knex instance. SQLite allows one writer at a time, so a single pooled connection serialises
 * writes inside the process instead of failing them with SQLITE_BUSY; WAL lets readers in other
 * processes (a second app instance, the bench) proceed while we write.
 */
export function createDb(filename: string, options: { backgroundCheckpoint?: boolean } = {}): Db {
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          keepStatements(conn);
          if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          // The WAL is copied back by a thread of its own (wal-checkpointer.ts), not inside this connection's commits.
          if (options.backgroundCheckpoint && filename !== ':memory:') conn.pragma('wal_autocheckpoint = 0');
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  });
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest(migrationConfig);
}
