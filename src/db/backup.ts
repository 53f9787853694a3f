/**
 * An online copy of the SQLite database (issue 9, "Backups a self-hoster can trust").
 *
 * SQLite's backup API (better-sqlite3's `backup()`) on a connection of its own, not the app's knex connection: it
 * copies the database page by page from a consistent read, so the copy is a whole database even while the app
 * writes. A file copy of a live WAL database is not: the recent commits sit in `-wal`, and a copy taken during a
 * checkpoint can be torn.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';

/** Pages copied between two turns of the event loop: 4 MB at SQLite's default page size, a few ms of work. */
const PAGES_PER_STEP = 1000;
/** All that is left, in one step. */
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  file: string;
  bytes: number;
  /** How many times a write by another connection made SQLite start the copy again (at most once: see below). */
  restarts: number;
}

export class BackupTargetExists extends Error {
  constructor(readonly file: string) {
    super(`${file} already exists`);
  }
}

/**
 * Copies `databaseFile` to `destination`, which must not exist (it is never overwritten). The copy is written
 * beside the destination under a temporary name with mode 0600 and linked into place only once complete, so a
 * crash or a failure never leaves a half-written file under the final name.
 *
 * SQLite starts a backup again from the first page whenever another connection writes to the source between two
 * steps. On a busy app copied in small steps that could go on for ever, so after the first restart the rest is
 * copied in one step: one read transaction, which in WAL mode does not hold up the app's writes.
 */
export async function backupDatabase(databaseFile: string, destination: string, options: { pagesPerStep?: number } = {}): Promise<BackupResult> {
  if (fs.existsSync(destination)) throw new BackupTargetExists(destination);
  const pagesPerStep = options.pagesPerStep ?? PAGES_PER_STEP;
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.${crypto.randomBytes(6).toString('hex')}.partial`);
  // fileMustExist: a wrong path must fail, not back up a new empty database.
  const source = new Database(databaseFile, { fileMustExist: true });
  let restarts = 0;
  try {
    source.pragma('busy_timeout = 5000');
    // Created first with mode 0600, so the copy is never readable by others, not even while it is written.
    fs.writeFileSync(partial, '', { mode: 0o600, flag: 'wx' });
    let lastRemaining = Infinity;
    await source.backup(partial, {
      progress({ remainingPages }) {
        if (remainingPages > lastRemaining) restarts += 1;
        lastRemaining = remainingPages;
        return restarts > 0 ? ALL_PAGES : pagesPerStep;
      },
    });
    fs.chmodSync(partial, 0o600);
    try {
      // link() fails if the destination appeared meanwhile: still never an overwrite.
      fs.linkSync(partial, destination);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupTargetExists(destination);
      throw err;
    }
    return { file: destination, bytes: fs.statSync(destination).size, restarts };
  } finally {
    source.close();
    fs.rmSync(partial, { force: true });
  }
}
