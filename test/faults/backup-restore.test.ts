/**
 * Backups a self-hoster can trust (issue 9): a copy taken while another connection keeps writing is a whole,
 * consistent database; restored into a fresh DATA_DIR, a real app process starts on it and shows the same tasks and
 * messages. And a failed migration at start stops the process with exit code 1, leaving the pre-migrate copy and a
 * log line that says how to restore it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../../src/db/knex';
import { backupDatabase } from '../../src/db/backup';
import { listBackups } from '../../src/services/backups.service';
import { insertTaskRow, listedTotal } from '../helpers/task-rows';
import { migrateUpTo } from '../helpers/migrations';
import { PASSWORD } from '../helpers/app';
import { createDb } from '../../src/db/knex';
import { insertUser } from '../../src/queries/users.queries';
import { hashPassword } from '../../src/services/passwords.service';
import {
  cleanUpAfterTest,
  errorLines,
  loginOverHttp,
  makeTempDir,
  prepareDataDir,
  spawnServer,
  startServer,
  type PreparedData,
} from '../helpers/app-process';

jest.setTimeout(120_000);

let data: PreparedData | undefined;
afterEach(async () => {
  await cleanUpAfterTest(data);
  data = undefined;
});

const numbers = (n: number, from: number) => Array.from({ length: n }, (_, i) => `139${String(from + i).padStart(8, '0')}`);

/** A task and its messages in one transaction, so any consistent copy holds both or neither. */
const addTask = (db: Db, count: number, from: number) => db.transaction((trx) => insertTaskRow(trx as unknown as Db, { status: 'completed', phones: numbers(count, from) }));

function counts(file: string): { tasks: number; messages: number; torn: number } {
  const copy = new Database(file, { readonly: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const one = (sql: string) => (copy.prepare(sql).get() as { n: number }).n;
    return {
      tasks: one('select count(*) as n from tasks'),
      messages: one('select count(*) as n from messages'),
      // Tasks whose messages are not all there: a copy that is not a single moment of the database.
      torn: one('select count(*) as n from tasks where recipient_count <> (select count(*) from messages m where m.task_id = tasks.id)'),
    };
  } finally {
    copy.close();
  }
}

test('a copy taken while writes go on, restored into a fresh DATA_DIR: the app starts on it with the same tasks and messages', async () => {
  data = await prepareDataDir();
  const { db } = data;
  for (let i = 0; i < 40; i += 1) await addTask(db, 250, i * 250);

  let writing = true;
  let writesDuring = 0;
  const writer = (async () => {
    for (let i = 0; writing; i += 1) {
      await addTask(db, 20, 100_000 + i * 20);
      writesDuring += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const target = path.join(makeTempDir('qunfa-backup-'), 'copy.sqlite');
  // Small steps, so the copy (in its own thread) spans many steps and the writer usually commits between them
  // (how often it does depends on the scheduler: backup-steps.test.ts covers the restarts on their own).
  await backupDatabase(data.databaseFile, target, { pagesPerStep: 5 }).finally(() => {
    writing = false;
  });
  await writer;
  expect(writesDuring).toBeGreaterThan(0);

  const copied = counts(target);
  const live = counts(data.databaseFile);
  expect(copied.torn).toBe(0);
  expect(copied.tasks).toBeGreaterThanOrEqual(40);
  expect(copied.tasks).toBeLessThanOrEqual(live.tasks);
  expect(copied.messages).toBe(10_000 + (copied.tasks - 40) * 20);

  // Restore as the README says: a fresh DATA_DIR, the copy as qunfa.sqlite, no -wal or -shm beside it.
  const restoredDir = makeTempDir('qunfa-restored-');
  fs.copyFileSync(target, path.join(restoredDir, 'qunfa.sqlite'));
  const app = await startServer(restoredDir);
  const cookie = await loginOverHttp(app, 'admin', PASSWORD);
  const list = await fetch(`${app.url}/tasks`, { headers: { cookie } });
  expect(list.status).toBe(200);
  expect(listedTotal(await list.text())).toBe(copied.tasks);
  expect(counts(path.join(restoredDir, 'qunfa.sqlite'))).toEqual(copied);
  expect(errorLines(app)).toEqual([]);
  // Nothing was pending on the copy, so the start took no copy of its own.
  expect(listBackups(restoredDir)).toEqual([]);
});

test('a migration that fails at start: exit code 1, the pre-migrate copy kept, a JSON log line with the restore steps', async () => {
  const dataDir = makeTempDir('qunfa-failed-migration-');
  const databaseFile = path.join(dataDir, 'qunfa.sqlite');
  const db = createDb(databaseFile);
  await migrateUpTo(db, '20261125000023_create_draft_recipients.js');
  // Straight into the table: today's createUser also writes the audit log, which this old schema has not got yet.
  await insertUser(db, { username: 'admin', passwordHash: await hashPassword(PASSWORD), role: 'admin' });
  // The next migration (…024) starts by dropping this index: without it, it fails.
  await db.raw('drop index messages_carrier_message_id_index');
  await db.destroy();

  const app = await spawnServer(dataDir, { env: { LOG_LEVEL: 'info' } });
  const { code } = await app.exited;
  const output = app.output.join('\n');

  expect(code).toBe(1);
  const [copy] = listBackups(dataDir);
  expect(copy.reason).toBe('pre-migrate');
  expect(counts(copy.file)).toMatchObject({ tasks: 0, torn: 0 });
  const failed = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.msg === 'migration failed');
  expect(failed).toMatchObject({ level: 'error', backup: copy.file, restore: expect.stringContaining(`cp '${copy.file}' '${databaseFile}'`) });
  expect(output).not.toMatch(/^\s+at /m);
});
