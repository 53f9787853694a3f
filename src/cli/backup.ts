/**
 * `npm run backup -- [file]`: an on-demand copy of the database, safe while the app runs (src/db/backup.ts).
 * With a file, the copy goes there (never over an existing file); without one, into DATA_DIR/backups/ as a
 * "manual" copy. DATA_DIR is read as the app reads it. One line on success (the file and its size) or on failure,
 * and the exit code says which: 0 done, 1 failed, 2 wrong usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE_NAME, DEFAULT_DATA_DIR } from '../config';
import { backupDatabase, BackupTargetExists, type BackupResult } from '../db/backup';
import { takeBackup } from '../services/backups.service';

export interface CliResult {
  code: 0 | 1 | 2;
  line: string;
}

/**
 * `dirs.app`: the folder a relative DATA_DIR is read from, as `npm start` reads it (the package folder, where npm
 * runs scripts); `dirs.user`: the folder a relative file name is read from (where the command was typed).
 */
export async function runBackupCli(args: readonly string[], env: NodeJS.ProcessEnv, dirs: { app: string; user: string }): Promise<CliResult> {
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    return { code: 2, line: 'usage: npm run backup -- [file]   (without a file: into DATA_DIR/backups/)' };
  }
  if (env.DATABASE_URL) return { code: 1, line: 'DATABASE_URL is set: back up PostgreSQL with pg_dump (this copies the SQLite file only)' };
  const dataDir = path.resolve(dirs.app, env.DATA_DIR || DEFAULT_DATA_DIR);
  const databaseFile = path.join(dataDir, DATABASE_FILE_NAME);
  if (!fs.existsSync(databaseFile)) return { code: 1, line: `no database at ${databaseFile}: set DATA_DIR to the app's data directory` };
  let result: BackupResult;
  try {
    if (args.length === 0) result = await takeBackup({ databaseFile, dataDir }, 'manual');
    else {
      const target = path.resolve(dirs.user, args[0]);
      if (!fs.existsSync(path.dirname(target))) return { code: 1, line: `the folder ${path.dirname(target)} does not exist` };
      result = await backupDatabase(databaseFile, target);
    }
  } catch (err) {
    if (err instanceof BackupTargetExists) return { code: 1, line: `${err.file} already exists: choose another file name (a backup never overwrites)` };
    return { code: 1, line: `backup failed: ${(err as Error).message}` };
  }
  return { code: 0, line: `${result.file} (${result.bytes} bytes)` };
}

if (require.main === module) {
  // npm sets INIT_CWD to the folder the command was typed in.
  void runBackupCli(process.argv.slice(2), process.env, { app: process.cwd(), user: process.env.INIT_CWD || process.cwd() }).then(({ code, line }) => {
    (code === 0 ? process.stdout : process.stderr).write(`${code === 0 ? '' : 'qunfa backup: '}${line}\n`);
    process.exitCode = code;
  });
}
