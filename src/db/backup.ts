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
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers/worker-entry';

/** Pages copied per step: 4 MB at SQLite's default page size. */
const PAGES_PER_STEP = 1000;

export interface BackupResult {
  file: string;
  bytes: number;
  /** How many times a write by another connection made SQLite start the copy again (see backup-steps.ts). */
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
 * The copy runs in a thread of its own (backup.worker.ts): copying and syncing a database of some hundred MB takes
 * seconds, which the app's requests and dispatcher must not wait for. Step sizes and restarts: backup-steps.ts.
 */
export async function backupDatabase(databaseFile: string, destination: string, options: { pagesPerStep?: number } = {}): Promise<BackupResult> {
  if (fs.existsSync(destination)) throw new BackupTargetExists(destination);
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.${crypto.randomBytes(6).toString('hex')}.partial`);
  try {
    // Created first with mode 0600, so the copy is never readable by others, not even while it is written.
    fs.writeFileSync(partial, '', { mode: 0o600, flag: 'wx' });
    const restarts = await copyInThread(databaseFile, partial, options.pagesPerStep ?? PAGES_PER_STEP);
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
    fs.rmSync(partial, { force: true });
  }
}

function copyInThread(databaseFile: string, partial: string, pagesPerStep: number): Promise<number> {
  const entry = workerEntry(__filename, 'backup.worker');
  const worker = new Worker(entry.file, { workerData: { databaseFile, partial, pagesPerStep }, execArgv: entry.execArgv });
  return new Promise<number>((resolve, reject) => {
    worker.once('message', (answer: { ok: true; restarts: number } | { ok: false; message: string }) => {
      if (answer.ok) resolve(answer.restarts);
      else reject(new Error(answer.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the backup thread stopped (exit code ${code})`)));
  }).finally(() => void worker.terminate());
}
