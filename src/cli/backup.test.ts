import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { ROOT_DIR } from '../config';
import { createDb } from '../db/knex';
import { listBackups } from '../services/backups.service';
import { runBackupCli } from './backup';

let dir: string;
let dataDir: string;
const env = () => ({ DATA_DIR: dataDir });
const dirs = () => ({ app: ROOT_DIR, user: dir });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-cli-'));
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const db = createDb(path.join(dataDir, 'qunfa.sqlite'));
  await db.schema.createTable('notes', (t) => t.text('body'));
  await db('notes').insert({ body: 'kept' });
  await db.destroy();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function notesIn(file: string): unknown[] {
  const copy = new Database(file, { readonly: true });
  try {
    return copy.prepare('select body from notes').all();
  } finally {
    copy.close();
  }
}

test('a file name: the copy goes there, relative to where the command was typed, mode 0600', async () => {
  const result = await runBackupCli(['copy.sqlite'], env(), dirs());
  const file = path.join(dir, 'copy.sqlite');
  expect(result).toEqual({ code: 0, line: expect.stringMatching(new RegExp(`^${file} \\(\\d+ bytes\\)$`)) });
  expect(notesIn(file)).toEqual([{ body: 'kept' }]);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
});

test('an existing file is never overwritten', async () => {
  const file = path.join(dir, 'taken.sqlite');
  fs.writeFileSync(file, 'mine');
  expect(await runBackupCli([file], env(), dirs())).toEqual({ code: 1, line: `${file} already exists: choose another file name (a backup never overwrites)` });
  expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  expect(fs.readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
});

test('no file name: a manual copy in DATA_DIR/backups/', async () => {
  expect((await runBackupCli([], env(), dirs())).code).toBe(0);
  expect(listBackups(dataDir).map((b) => b.reason)).toEqual(['manual']);
});

test.each([
  ['two files', ['a.sqlite', 'b.sqlite'], false, 2, /^usage: npm run backup -- \[file\]/],
  ['an option', ['--force'], false, 2, /^usage:/],
  ['no database there', ['x.sqlite'], true, 1, /^no database at .*no-such-dir\/qunfa\.sqlite: set DATA_DIR/],
  ['a folder that does not exist', ['missing/x.sqlite'], false, 1, /^the folder .*missing does not exist$/],
])('%s: one line and an exit code', async (_name, args, wrongDataDir, code, line) => {
  const result = await runBackupCli(args, wrongDataDir ? { DATA_DIR: path.join(dir, 'no-such-dir') } : env(), dirs());
  expect(result.code).toBe(code);
  expect(result.line).toMatch(line);
});

test('as a process: the line on stdout or stderr, and the exit code', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['-r', path.join(ROOT_DIR, 'test', 'helpers', 'register-ts.js'), path.join(ROOT_DIR, 'src', 'cli', 'backup.ts'), ...args], {
      cwd: ROOT_DIR,
      env: { ...process.env, DATA_DIR: dataDir, INIT_CWD: dir },
      encoding: 'utf8',
    });
  const ok = run(['process.sqlite']);
  expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, expect.stringContaining(path.join(dir, 'process.sqlite')), '']);
  const refused = run(['process.sqlite']);
  expect([refused.status, refused.stdout, refused.stderr]).toEqual([1, '', `qunfa backup: ${path.join(dir, 'process.sqlite')} already exists: choose another file name (a backup never overwrites)\n`]);
});

test('with DATABASE_URL set: one line pointing to pg_dump, nothing copied', async () => {
  expect(await runBackupCli([], { ...env(), DATABASE_URL: 'postgres://db/qunfa' }, dirs())).toEqual({
    code: 1,
    line: 'DATABASE_URL is set: back up PostgreSQL with pg_dump (this copies the SQLite file only)',
  });
});
