import { Worker } from 'node:worker_threads';
import { JOURNAL_SIZE_LIMIT, type Db } from './knex';
import type { Logger } from '../log';
import { workerEntry } from '../workers/worker-entry';
import { openWrites, writeGateOf } from './write-gate';

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** SQLite's own default: a checkpoint once the WAL holds 1,000 pages. */
const AUTOCHECKPOINT_PAGES = 1000;
const LONGEST_RESTART_PAUSE_MS = 60_000;
/** Past this size the thread cuts the log back even while writes go on (wal-checkpoint.worker.ts). */
export const WAL_HIGH_WATER_BYTES = 8 * 1024 * 1024;

/**
 * Copies the write-ahead log back into the database file from a thread of its own, instead of on the connection
 * that committed. SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: after
 * a 100,000-row draft or confirm that is some 15 MB copied and synced while the event loop waits, and every other
 * request with it (70-100 ms in process, up to 300 ms in `npm run bench -- imports`). The app's connection must have
 * its automatic checkpoint off (createDb's `backgroundCheckpoint`).
 *
 * If the thread fails (it could not open the database, or died), the connection checkpoints by itself meanwhile,
 * so the WAL never grows without bound, and the thread is started again after a pause (doubling from
 * `restartAfterMs` up to a minute); once it is back, the connection's automatic checkpoint is off again.
 */
export function startWalCheckpointer(db: Db, filename: string, logger: Logger, everyMs = 1000, restartAfterMs = 1000): WalCheckpointer {
  const entry = workerEntry(__filename, 'wal-checkpoint.worker');
  const writeGate = writeGateOf(db.client);
  let stopping = false;
  let worker: Worker | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let pause = restartAfterMs;
  let failedBefore = false;

  const setAutocheckpoint = (pages: number) => db.raw(`pragma wal_autocheckpoint = ${pages}`).catch(() => undefined);

  const start = () => {
    restartTimer = undefined;
    const w = new Worker(entry.file, { workerData: { filename, everyMs, journalSizeLimit: JOURNAL_SIZE_LIMIT, highWaterBytes: WAL_HIGH_WATER_BYTES, writeGate }, execArgv: entry.execArgv });
    worker = w;
    let failed = false;
    const fail = (reason: string) => {
      if (stopping || failed) return;
      failed = true;
      worker = undefined;
      failedBefore = true;
      logger.error('WAL checkpointer stopped; checkpoints go back to the committing connection', { reason, restartInMs: pause });
      void setAutocheckpoint(AUTOCHECKPOINT_PAGES);
      void w.terminate();
      restartTimer = setTimeout(start, pause);
      restartTimer.unref();
      pause = Math.min(pause * 2, LONGEST_RESTART_PAUSE_MS);
    };
    w.on('message', (message: unknown) => {
      if (message === 'ready') {
        pause = restartAfterMs;
        if (failedBefore) {
          void setAutocheckpoint(0);
          logger.info('WAL checkpointer restarted');
        }
      } else if (typeof message === 'object' && message !== null && 'failed' in message) {
        logger.error('WAL checkpoint failed; trying again next round', message as Record<string, unknown>);
      }
    });
    w.on('error', (err) => fail(err.message));
    w.on('exit', () => openWrites(db.client));
    w.on('exit', (code) => fail(`exit code ${code}`));
    w.unref();
  };
  start();

  return {
    stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return Promise.resolve();
      return new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.on('message', (message: unknown) => {
          if (message === 'stopped') void w.terminate();
        });
        w.postMessage('stop');
      });
    },
  };
}
