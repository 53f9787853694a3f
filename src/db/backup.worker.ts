/**
 * The backup's thread (see backup.ts): its own connection to the database file, copying it into `partial` with
 * SQLite's backup API, then one message back: `{ ok: true, restarts }` or `{ ok: false, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { backupSteps } from './backup-steps';

const { databaseFile, partial, pagesPerStep } = workerData as { databaseFile: string; partial: string; pagesPerStep: number };

async function copy(): Promise<number> {
  // fileMustExist: a wrong path must fail, not back up a new empty database.
  const source = new Database(databaseFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const steps = backupSteps(pagesPerStep);
    await source.backup(partial, { progress: steps.next });
    return steps.restarts();
  } finally {
    source.close();
  }
}

copy().then(
  (restarts) => parentPort!.postMessage({ ok: true, restarts }),
  (err: Error) => parentPort!.postMessage({ ok: false, message: err.message }),
);
