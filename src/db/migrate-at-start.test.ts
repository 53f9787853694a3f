import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createDb, type Db } from './knex';
import { migrateAtStart } from './migrate-at-start';
import { createLogger } from '../log';
import { listBackups } from '../services/backups.service';
import { migrateUpTo } from '../../test/helpers/migrations';

/** A migration every later one follows; the next one (…024) drops and re-creates three message indexes. */
const BEFORE_LAST = '20261125000023_create_draft_recipients.js';

let dataDir: string;
let databaseFile: string;
let db: Db;
let lines: { level: string; msg: string; [field: string]: unknown }[];
const logger = () => createLogger('info', (line) => lines.push(JSON.parse(line)));

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-migrate-'));
  databaseFile = path.join(dataDir, 'qunfa.sqlite');
  lines = [];
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function appliedIn(file: string): string[] {
  const copy = new Database(file, { readonly: true });
  try {
    return (copy.prepare('select name from knex_migrations order by id').all() as { name: string }[]).map((r) => r.name);
  } finally {
    copy.close();
  }
}

test('a fresh install is migrated without a copy', async () => {
  db = createDb(databaseFile);
  expect(await migrateAtStart(db, { databaseFile, dataDir }, logger(), { databaseExisted: false })).toBe(true);
  expect(listBackups(dataDir)).toEqual([]);
  expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false);
});

test('pending migrations on an existing database: a pre-migrate copy of the database as it was, then the migrations', async () => {
  db = createDb(databaseFile);
  await migrateUpTo(db, BEFORE_LAST);
  expect(await migrateAtStart(db, { databaseFile, dataDir }, logger(), { databaseExisted: true })).toBe(true);
  const [copy] = listBackups(dataDir);
  expect(copy.reason).toBe('pre-migrate');
  expect(appliedIn(copy.file).at(-1)).toBe(BEFORE_LAST);
  expect(appliedIn(databaseFile).length).toBeGreaterThan(appliedIn(copy.file).length);
  expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'database copied before migrations', backup: copy.file }));

  // Started again with nothing pending: no second copy.
  expect(await migrateAtStart(db, { databaseFile, dataDir }, logger(), { databaseExisted: true })).toBe(true);
  expect(listBackups(dataDir)).toHaveLength(1);
});

test('a failed migration leaves the copy and logs where it is and how to restore it', async () => {
  db = createDb(databaseFile);
  await migrateUpTo(db, BEFORE_LAST);
  // The next migration drops this index first: without it, that migration fails.
  await db.raw('drop index messages_carrier_message_id_index');
  expect(await migrateAtStart(db, { databaseFile, dataDir }, logger(), { databaseExisted: true })).toBe(false);
  const [copy] = listBackups(dataDir);
  expect(appliedIn(copy.file).at(-1)).toBe(BEFORE_LAST);
  const failed = lines.find((l) => l.level === 'error');
  expect(failed).toMatchObject({ msg: 'migration failed', backup: copy.file, error: expect.stringMatching(/messages_carrier_message_id_index/) });
  expect(failed!.restore).toBe(
    `stop Qunfa; cp '${copy.file}' '${databaseFile}'; rm -f '${databaseFile}-wal' '${databaseFile}-shm'; then start the version that ran before this upgrade`,
  );
});

test('no copy, no migration: a copy that cannot be written stops the start before anything is migrated', async () => {
  db = createDb(databaseFile);
  await migrateUpTo(db, BEFORE_LAST);
  // A file where the backups folder should be.
  fs.writeFileSync(path.join(dataDir, 'backups'), '');
  expect(await migrateAtStart(db, { databaseFile, dataDir }, logger(), { databaseExisted: true })).toBe(false);
  expect(appliedIn(databaseFile).at(-1)).toBe(BEFORE_LAST);
  expect(lines.find((l) => l.level === 'error')).toMatchObject({ msg: 'could not copy the database before migrations; nothing was migrated' });
});
