/**
 * The WAL checkpointer's thread (see wal-checkpointer.ts): its own connection to the database file, a checkpoint
 * every `everyMs`, and a last one when told to stop. It says 'ready' once its connection is open.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { filename, everyMs, journalSizeLimit } = workerData as { filename: string; everyMs: number; journalSizeLimit: number };
const db = new Database(filename);
db.pragma(`journal_size_limit = ${journalSizeLimit}`);

/**
 * How long a TRUNCATE may wait for writers and readers. While it waits it holds new writers back (SQLite's rule
 * for RESTART and TRUNCATE), so it gives up quickly and tries again on a later round.
 */
const TRUNCATE_WAIT_MS = 20;

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): void {
  // PASSIVE copies what no reader still needs and never waits for, nor blocks, the app's reads and writes.
  db.pragma('busy_timeout = 0');
  const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  // Caught up: every frame is in the database file. Only then is a TRUNCATE cheap (nothing left to copy), and it
  // is what puts the WAL back to zero bytes: PASSIVE alone never shortens the file, and under steady writes with
  // steady reads SQLite may never get the moment to start the log over, so it grew to gigabytes.
  if (passive.log > 0 && passive.checkpointed === passive.log) {
    db.pragma(`busy_timeout = ${TRUNCATE_WAIT_MS}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

/** A failed round (a full disk, an I/O error) is reported and the next round tries again. */
function round(): void {
  try {
    checkpoint();
  } catch (err) {
    parentPort!.postMessage({ failed: (err as Error).message, code: (err as { code?: string }).code });
  }
}

const timer = setInterval(round, everyMs);
parentPort!.postMessage('ready');

parentPort!.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  round();
  db.close();
  parentPort!.postMessage('stopped');
  parentPort!.close();
});
