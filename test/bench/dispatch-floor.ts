/**
 * The dispatch floor: the least database work a dispatch of the same rows needs, by raw better-sqlite3 with no
 * app, no HTTP, no cron, no knex and no carrier. On a freshly migrated database file (same schema, indexes and
 * pragmas as the app's) holding the same message rows: batches of 200 — select the next pending ids and mark them
 * `submitting` in one transaction, then set them `submitted` with a carrier id and the time in another.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createDb, migrateLatest } from '../../src/db/knex';

export interface MessageRow {
  row_number: number;
  phone: string;
  params: string;
  content: string;
  chars: number;
  segments: number;
}

export interface DispatchFloorRun {
  totalMs: number;
  batches: number;
  submitted: number;
}

const TASK_ID = 'T0000000001';

/** The message rows of a task as the app stored them (read before the run, outside any clock). */
export function readMessageRows(reader: Database.Database, taskId: string): MessageRow[] {
  return reader.prepare('SELECT row_number, phone, params, content, chars, segments FROM messages WHERE task_id = ? ORDER BY id').all(taskId) as MessageRow[];
}

async function freshDatabase(dir: string, n: number, rows: readonly MessageRow[]): Promise<string> {
  const file = path.join(dir, `dispatch-floor-${n}.sqlite`);
  const knex = createDb(file);
  await migrateLatest(knex);
  await knex.destroy();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const now = new Date().toISOString();
  db.prepare("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('floor', 'x', 'member', ?, ?)").run(now, now);
  db.prepare(
    `INSERT INTO tasks (id, status, sms_type, signature_text, template_name, template_content, source, send_mode, created_by, created_at, updated_at)
     VALUES (?, 'sending', 'notification', 's', 't', 'c', 'import', 'now', 1, ?, ?)`,
  ).run(TASK_ID, now, now);
  const insert = db.prepare(
    `INSERT INTO messages (task_id, row_number, phone, params, content, chars, segments, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
  );
  db.transaction(() => {
    for (const r of rows) insert.run(TASK_ID, r.row_number, r.phone, r.params, r.content, r.chars, r.segments);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

/** One measured floor run; the database is built before the clock starts and removed after. */
export async function runDispatchFloor(rows: readonly MessageRow[], dir: string, n: number, batchSize = 200): Promise<DispatchFloorRun> {
  const file = await freshDatabase(dir, n, rows);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  const select = db.prepare(
    "SELECT id, phone, content, attempts FROM messages WHERE task_id = ? AND status = 'pending' ORDER BY id LIMIT ?",
  );
  const mark = db.prepare("UPDATE messages SET status = 'submitting', attempts = attempts + 1 WHERE id = ?");
  const record = db.prepare("UPDATE messages SET status = 'submitted', carrier_message_id = ?, submitted_at = ? WHERE id = ?");
  const take = db.transaction(() => {
    const batch = select.all(TASK_ID, batchSize) as { id: number }[];
    for (const m of batch) mark.run(m.id);
    return batch;
  });
  const answer = db.transaction((batch: { id: number }[], nowIso: string) => {
    for (const m of batch) record.run('stub-' + crypto.randomBytes(8).toString('hex'), nowIso, m.id);
  });
  let batches = 0;
  let submitted = 0;
  const t0 = performance.now();
  for (;;) {
    const batch = take.immediate();
    if (batch.length === 0) break;
    answer.immediate(batch, new Date().toISOString());
    batches += 1;
    submitted += batch.length;
  }
  const totalMs = performance.now() - t0;
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  return { totalMs, batches, submitted };
}
