import { Worker } from 'node:worker_threads';
import type { Db } from './knex';
import type { Logger } from '../log';
import { workerEntry } from '../workers/worker-entry';

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** SQLite's own default: a checkpoint once the WAL holds 1,000 pages. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * Copies the write-ahead log back into the database file from a thread of its own, instead of on the connection
 * that committed. SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: after
 * a 100,000-row draft or confirm that is some 15 MB copied and synced while the event loop waits, and every other
 * request with it (70-100 ms in process, up to 300 ms in `npm run bench -- imports`). The app's connection must have
 * its automatic checkpoint off (createDb's `backgroundCheckpoint`); if this thread fails, it is switched back on,
 * so the WAL never grows without bound.
 */
export function startWalCheckpointer(db: Db, filename: string, logger: Logger, everyMs = 1000): WalCheckpointer {
  const entry = workerEntry(__filename, 'wal-checkpoint.worker');
  const worker = new Worker(entry.file, { workerData: { filename, everyMs }, execArgv: entry.execArgv });
  let stopping = false;
  let exited = false;
  const fallBack = (reason: string) => {
    if (stopping) return;
    logger.error('WAL checkpointer stopped; checkpoints go back to the committing connection', { reason });
    db.raw(`pragma wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`).catch(() => undefined);
  };
  worker.on('error', (err) => fallBack(err.message));
  worker.on('exit', (code) => {
    exited = true;
    fallBack(`exit code ${code}`);
  });
  worker.unref();
  return {
    stop() {
      stopping = true;
      if (exited) return Promise.resolve();
      return new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', () => void worker.terminate());
        worker.postMessage('stop');
      });
    },
  };
}
