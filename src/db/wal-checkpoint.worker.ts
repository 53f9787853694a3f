/**
 * The WAL checkpointer's thread (see wal-checkpointer.ts): its own connection to the database file, a PASSIVE
 * checkpoint every `everyMs`, and a last one when told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { filename, everyMs } = workerData as { filename: string; everyMs: number };
const db = new Database(filename);
db.pragma('busy_timeout = 5000');

// PASSIVE copies what no reader still needs and never waits for, nor blocks, the app's reads and writes.
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, everyMs);

parentPort!.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.postMessage('stopped');
  parentPort!.close();
});
