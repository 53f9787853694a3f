import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { ROOT_DIR } from '../config';

export type Db = Knex;

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
export function createDb(filename: string): Db {
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
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
