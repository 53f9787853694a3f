/**
 * The floor: the least work that turns the same file into stored, checked messages, done inline with no app,
 * no worker and no knex. SheetJS `read` (or decode + split for the .csv) + `checkRecipients` from src/sms + one
 * better-sqlite3 prepared INSERT per row in one transaction, into a freshly migrated database file with the
 * app's pragmas (WAL, synchronous=NORMAL, foreign keys on), so the schema, index and FK check are the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as XLSX from 'xlsx';
import { READ_OPTIONS } from '../../src/imports/sheet-read';
import { createDb, migrateLatest } from '../../src/db/knex';
import { checkRecipients, type CheckContext, type CheckReport, type InputRow } from '../../src/sms/recipient-check';

export interface FloorRun {
  totalMs: number;
  /** read = SheetJS read / utf-8 decode; rows = cells to InputRow; check = checkRecipients; insert = raw insert. */
  parts: { read: number; rows: number; check: number; insert: number };
  valid: number;
}


const TASK_ID = 'T0000000001';

/** A fresh database file migrated like the app's, with the parent user and task the messages reference. */
async function freshDatabase(dir: string, n: number): Promise<string> {
  const file = path.join(dir, `floor-${n}.sqlite`);
  const knex = createDb(file);
  await migrateLatest(knex);
  await knex.destroy();
  const db = new Database(file);
  const now = new Date().toISOString();
  db.prepare("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('floor', 'x', 'member', ?, ?)").run(now, now);
  db.prepare(
    `INSERT INTO tasks (id, status, sms_type, signature_text, template_name, template_content, source, send_mode, created_by, created_at, updated_at)
     VALUES (?, 'draft', 'notification', 's', 't', 'c', 'import', 'now', 1, ?, ?)`,
  ).run(TASK_ID, now, now);
  db.close();
  return file;
}

function rawInsert(file: string, report: CheckReport): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    `INSERT INTO messages (task_id, row_number, phone, params, content, chars, segments, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
  );
  db.transaction((valid: CheckReport['valid']) => {
    for (const r of valid) insert.run(TASK_ID, r.rowNumber, r.phone, JSON.stringify(r.params), r.message, r.chars, r.segments);
  })(report.valid);
  db.close();
}

function xlsxRows(buf: Buffer): { rows: InputRow[]; readMs: number; rowsMs: number } {
  const t0 = performance.now();
  const book = XLSX.read(buf, READ_OPTIONS) /* the app's own lean options, without its row cap */;
  const t1 = performance.now();
  const data = (book.Sheets[book.SheetNames[0]]['!data'] ?? []) as (XLSX.CellObject[] | undefined)[];
  const rows: InputRow[] = [];
  // Row 0 is the header.
  for (let r = 1; r < data.length; r += 1) {
    const row = data[r];
    if (!row) continue;
    rows.push({ rowNumber: r, cells: row.map((cell) => (cell ? cell.v : '')) });
  }
  return { rows, readMs: t1 - t0, rowsMs: performance.now() - t1 };
}

function csvRows(buf: Buffer): { rows: InputRow[]; readMs: number; rowsMs: number } {
  const t0 = performance.now();
  const text = buf.toString('utf8');
  const t1 = performance.now();
  const lines = text.split(/\r?\n/);
  const rows: InputRow[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    if (lines[i] === '') continue;
    rows.push({ rowNumber: i, cells: lines[i].split(',') });
  }
  return { rows, readMs: t1 - t0, rowsMs: performance.now() - t1 };
}

/** One measured floor run; the database file is created before the clock starts and removed after. */
export async function runFloor(kind: 'xlsx' | 'csv', buf: Buffer, ctx: CheckContext, dir: string, n: number): Promise<FloorRun> {
  const file = await freshDatabase(dir, n);
  const t0 = performance.now();
  const { rows, readMs, rowsMs } = kind === 'xlsx' ? xlsxRows(buf) : csvRows(buf);
  const t1 = performance.now();
  const report = checkRecipients(rows, ctx);
  const t2 = performance.now();
  rawInsert(file, report);
  const t3 = performance.now();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  return { totalMs: t3 - t0, parts: { read: readMs, rows: rowsMs, check: t2 - t1, insert: t3 - t2 }, valid: report.valid.length };
}
