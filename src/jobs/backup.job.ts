import type { Knex } from 'knex';
import type { Config } from '../config';
import { getSettings } from '../services/settings.service';
import { pruneBackups, takeBackup } from '../services/backups.service';

/**
 * The daily copy of the database into `DATA_DIR/backups/`, then only the newest N daily copies are kept (the
 * `/settings` value "daily backups kept"). Copies taken before migrations or on demand are never removed here: they
 * are few, and each marks a moment someone may want to go back to.
 */
export async function runBackupJob(db: Knex, config: Pick<Config, 'databaseFile' | 'dataDir' | 'timeZone'>, now = new Date()) {
  const { backupsKept } = await getSettings(db, config);
  const taken = await takeBackup(config, 'daily', now);
  const removed = pruneBackups(config.dataDir, 'daily', backupsKept);
  return { file: taken.file, bytes: taken.bytes, removed };
}
