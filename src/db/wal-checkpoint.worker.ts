/**
 * The WAL checkpointer's thread (see wal-checkpointer.ts): its own connection to the database file, a checkpoint
 * round every `everyMs` (sooner when the log has grown past `highWaterBytes`), and a last one when told to stop.
 * It says 'ready' once its connection is open.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { filename, everyMs, journalSizeLimit, highWaterBytes, writeGate } = workerData as {
  filename: string;
  everyMs: number;
  journalSizeLimit: number;
  highWaterBytes: number;
  writeGate: SharedArrayBuffer;
};
/** Set while the app's new writes are to wait (write-gate.ts). */
const writesPaused = new Int32Array(writeGate);
const db = new Database(filename);
db.pragma(`journal_size_limit = ${journalSizeLimit}`);
// SQLite names the log after the database file's real path.
const walFile = fs.realpathSync(filename) + '-wal';

/** How often the log's size is looked at (a stat, no database work). */
const LOOK_EVERY_MS = 25;
/**
 * How long a TRUNCATE may wait. It first waits for a moment with no writer (not holding anyone back meanwhile),
 * then holds new writers back while it copies what is left and waits for the readers of the moment (the app's
 * writers then wait without blocking its event loop: busy-retry.ts). Once caught up a short wait will do. Past the
 * high-water mark the log must be cut back even under back-to-back writes: the app pauses its new writes
 * meanwhile (write-gate.ts), and the TRUNCATE may wait longer; it is tried again every look until the log is short.
 */
const CAUGHT_UP_WAIT_MS = 20;
const HIGH_WATER_WAIT_MS = 500;

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

function walSize(): number {
  try {
    return fs.statSync(walFile).size;
  } catch {
    return 0;
  }
}

function truncate(waitMs: number): CheckpointResult {
  db.pragma(`busy_timeout = ${waitMs}`);
  return (db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[])[0];
}

let lastRound = 0;

/**
 * Past the high-water mark (a big commit, such as a 100,000-message confirm, or back-to-back writes that SQLite
 * never got to start the log over under): the app pauses its new writes (write-gate.ts), so the moment with no
 * writer comes at once, and a TRUNCATE copies what is left and puts the log back to zero bytes. Copying first with
 * a PASSIVE while writes went on let them add another 15 MB meanwhile.
 */
function cutBack(): void {
  Atomics.store(writesPaused, 0, 1);
  try {
    truncate(HIGH_WATER_WAIT_MS);
  } finally {
    Atomics.store(writesPaused, 0, 0);
  }
}

function checkpoint(now: number): void {
  lastRound = now;
  if (walSize() >= highWaterBytes) {
    cutBack();
    return;
  }
  // PASSIVE copies what no reader still needs and never waits for, nor blocks, the app's reads and writes.
  db.pragma('busy_timeout = 0');
  const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  // PASSIVE alone never shortens the file, and under steady writes SQLite never gets to start the log over (the
  // writers append while a checkpoint copies, so it is never all copied when a writer begins): one 100,000-message
  // send left an 828 MB log. Once caught up, a TRUNCATE is cheap and puts it back to zero bytes.
  if (passive.log > 0 && passive.checkpointed === passive.log) truncate(CAUGHT_UP_WAIT_MS);
}

/** A failed round (a full disk, an I/O error) is reported and the next round tries again. */
function round(now: number): void {
  try {
    checkpoint(now);
  } catch (err) {
    parentPort!.postMessage({ failed: (err as Error).message, code: (err as { code?: string }).code });
  }
}

const timer = setInterval(() => {
  const now = Date.now();
  if (now - lastRound >= everyMs || walSize() >= highWaterBytes) round(now);
}, Math.min(LOOK_EVERY_MS, everyMs));
parentPort!.postMessage('ready');

parentPort!.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  round(Date.now());
  db.close();
  parentPort!.postMessage('stopped');
  parentPort!.close();
});
