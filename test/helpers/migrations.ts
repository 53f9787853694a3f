import { migrationConfig, type Db } from '../../src/db/knex';

/** Applies migrations one at a time until `name` is applied (or none is left): a database as it stood back then. */
export async function migrateUpTo(db: Db, name: string): Promise<void> {
  for (;;) {
    const [done, pending] = (await db.migrate.list(migrationConfig)) as [{ name: string }[], { file: string }[]];
    if (done.some((d) => d.name === name) || pending.length === 0) return;
    await db.migrate.up(migrationConfig);
  }
}
