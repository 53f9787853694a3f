import type { Db } from './knex';
import { migrateLatest, migrationConfig } from './knex';
import type { Logger } from '../log';
import type { Config } from '../config';
import { takeBackup } from '../services/backups.service';

/**
 * Applies pending migrations at start, with a copy of the database taken first (issue 9, "Backups a self-hoster
 * can trust"). A fresh install (no database file before this start, or no migration ever applied) has nothing to
 * keep, and a start with nothing pending changes nothing: neither takes a copy. Returns false when the start must
 * stop: the copy could not be taken (no migration is run without one), or a migration failed (the log line says
 * where the copy is and how to put it back).
 */
export async function migrateAtStart(
  db: Db,
  config: Pick<Config, 'databaseFile' | 'dataDir'>,
  logger: Logger,
  options: { databaseExisted: boolean },
): Promise<boolean> {
  let backup: string | null = null;
  if (options.databaseExisted) {
    const [done, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], { file: string }[]];
    if (pending.length === 0) return true;
    if (done.length > 0) {
      try {
        const taken = await takeBackup(config, 'pre-migrate');
        backup = taken.file;
        logger.info('database copied before migrations', { backup, bytes: taken.bytes, pending: pending.map((m) => m.file) });
      } catch (err) {
        logger.error('could not copy the database before migrations; nothing was migrated', { error: (err as Error).message, databaseFile: config.databaseFile });
        return false;
      }
    }
  }
  try {
    await migrateLatest(db);
    return true;
  } catch (err) {
    const fields: Record<string, unknown> = { error: (err as Error).message };
    if (backup) {
      fields.backup = backup;
      fields.restore = restoreSteps(backup, config.databaseFile);
    }
    logger.error('migration failed', fields);
    return false;
  }
}

/** The restore steps the README gives, spelled out for this database and this copy. */
export function restoreSteps(backup: string, databaseFile: string): string {
  return `stop Qunfa; cp '${backup}' '${databaseFile}'; rm -f '${databaseFile}-wal' '${databaseFile}-shm'; then start the version that ran before this upgrade`;
}
