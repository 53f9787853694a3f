/**
 * The rule that holds for every SQLite transaction of the app (sqlite-transactions.ts): it begins IMMEDIATE, so it
 * holds the write lock from its BEGIN, whatever its first statement is. A transaction may therefore read before it
 * writes; no statement order is needed to take the lock (the old "write first" rule, now gone).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createDb, type Db } from './knex';

let dir: string;
let file: string;
let db: Db;
let other: Database.Database;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-immediate-'));
  file = path.join(dir, 'a.sqlite');
  db = createDb(file);
  await db.schema.createTable('notes', (t) => t.text('body'));
  await db('notes').insert({ body: 'first' });
  // Another process's connection, as a second instance or a sqlite3 shell would hold: no waiting for a lock.
  other = new Database(file, { timeout: 0 });
});

afterEach(async () => {
  other.close();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

function busyCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

test('a transaction whose first statement is a read already holds the write lock: another connection cannot write', async () => {
  const seen = await db.transaction(async (trx) => {
    const rows = await trx('notes').select('body');
    const otherWrite = busyCode(() => other.prepare("insert into notes (body) values ('other')").run());
    await trx('notes').insert({ body: 'ours' });
    return { rows: rows.length, otherWrite };
  });
  expect(seen).toEqual({ rows: 1, otherWrite: 'SQLITE_BUSY' });
  expect(await db('notes').orderBy('body').pluck('body')).toEqual(['first', 'ours']);
  // Outside a transaction of ours, the same write goes through: the lock was the transaction's.
  expect(busyCode(() => other.prepare("insert into notes (body) values ('other')").run())).toBeUndefined();
});

test('what a deferred BEGIN would do instead: a read takes no write lock (so read-then-write could fail midway)', () => {
  const mine = new Database(file, { timeout: 0 });
  try {
    mine.exec('BEGIN');
    mine.prepare('select count(*) from notes').get();
    expect(busyCode(() => other.prepare("insert into notes (body) values ('other')").run())).toBeUndefined();
    // Our snapshot is now older than the file: the first write of this transaction fails at once.
    expect(busyCode(() => mine.prepare("insert into notes (body) values ('mine')").run())).toMatch(/^SQLITE_BUSY/);
    mine.exec('ROLLBACK');
  } finally {
    mine.close();
  }
});

test('while another connection holds the lock, a read-then-write transaction waits at its BEGIN and then runs whole', async () => {
  other.exec('BEGIN IMMEDIATE');
  let bodyStarted = false;
  const done = db.transaction(async (trx) => {
    bodyStarted = true;
    const n = Number((await trx('notes').count({ n: '*' }))[0].n);
    await trx('notes').insert({ body: `after ${n}` });
  });
  // Let the BEGIN meet the lock and retry a few rounds; the body must not have started meanwhile.
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(bodyStarted).toBe(false);
  other.prepare("insert into notes (body) values ('other')").run();
  other.exec('COMMIT');
  await done;
  expect(await db('notes').orderBy('body').pluck('body')).toEqual(['after 2', 'first', 'other']);
});
