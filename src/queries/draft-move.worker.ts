/**
 * The thread that moves a confirming task's draft into `messages` on SQLite (issue 15), a part per request, on a
 * connection of its own to the database file. better-sqlite3 answers synchronously, so the same statements on the
 * app's connection held its event loop for each 5,000-row chunk (over 100 ms each at a million rows: `GET /tasks`
 * p95 170 ms during the confirm); here the event loop stays free. The app's side (draft-move.thread.ts) holds its
 * own write connection meanwhile, so the app's writers queue behind a part as they did, and go between two parts.
 *
 * The SQL is that of draft-recipients.sqlite.queries.ts and task-confirm.queries.ts, written for one connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MOVE_CHUNK_SQL } from './draft-recipients.sqlite.queries';

const { filename, cacheKib, autocheckpoint } = workerData as { filename: string; cacheKib: number; autocheckpoint: number };
const db = new Database(filename);
db.pragma('foreign_keys = ON');
db.pragma('synchronous = NORMAL');
// Another process's writer: waiting blocks only this thread.
db.pragma('busy_timeout = 5000');
// The indexes' pages one part read stay for the next (the cache outlives transactions while no one else writes).
db.pragma(`cache_size = -${cacheKib}`);
// As the app's connection: 0 where the WAL checkpointer thread copies the log back (not inside each part's commit).
db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);

const confirming = db.prepare("SELECT 1 FROM tasks WHERE id = ? AND status = 'confirming'");
const nextChunks = db.prepare('SELECT chunk FROM draft_recipients WHERE task_id = ? ORDER BY chunk LIMIT ?').pluck();
const moveChunk = db.prepare(MOVE_CHUNK_SQL);
const dropChunks = db.prepare('DELETE FROM draft_recipients WHERE task_id = ? AND chunk >= ? AND chunk <= ?');
const countMoved = db.prepare('UPDATE tasks SET confirm_moved = confirm_moved + ?, updated_at = ? WHERE id = ?');
const schedule = db.prepare("UPDATE tasks SET status = 'scheduled', confirmed_at = ?, updated_at = ? WHERE id = ? AND status = 'confirming'");

export type PartResult = 'moved' | 'scheduled' | 'not-confirming';

/** One part: moves the next `partChunks` chunks and drops them, and schedules the task after the last; one transaction. */
const part = db.transaction((taskId: string, partChunks: number): { result: PartResult; moved: number } => {
  if (!confirming.get(taskId)) return { result: 'not-confirming', moved: 0 };
  const chunks = nextChunks.all(taskId, partChunks) as number[];
  let moved = 0;
  for (const chunk of chunks) moved += moveChunk.run(taskId, taskId, chunk).changes;
  // Chunks are numbered from 0 and taken in order, so the part's chunks are a range.
  if (chunks.length > 0) dropChunks.run(taskId, chunks[0], chunks[chunks.length - 1]);
  const now = new Date().toISOString();
  if (moved > 0) countMoved.run(moved, now, taskId);
  if (nextChunks.all(taskId, 1).length > 0) return { result: 'moved', moved };
  schedule.run(now, now, taskId);
  return { result: 'scheduled', moved };
});

parentPort!.on('message', (msg: { taskId: string; partChunks: number } | 'close') => {
  if (msg === 'close') {
    db.close();
    process.exit(0);
  }
  try {
    // IMMEDIATE: the write lock from the start, as the app's transactions take it (sqlite-transactions.ts).
    parentPort!.postMessage({ ok: true, ...part.immediate(msg.taskId, msg.partChunks) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: (err as Error).message });
  }
});
parentPort!.postMessage('ready');
