import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { seedTask } from '../../test/helpers/tasks';
import { runBackupJob } from './backup.job';
import { backupFileName, backupsDir, listBackups, latestBackup } from '../services/backups.service';
import { saveSettings } from '../services/settings.service';

let t: TestApp;
const DAY = 86_400_000;

beforeEach(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

test('a daily copy of the database: a readable SQLite file with the tasks, mode 0600 in a folder of mode 0700', async () => {
  const { taskId } = await seedTask(t.db, ['13800138000', '13800138001']);
  const result = await runBackupJob(t.db, t.config, new Date('2026-12-04T03:00:00.000Z'));
  expect(result.file).toBe(path.join(t.config.dataDir, 'backups', 'qunfa-20261204T030000.000Z-daily.sqlite'));
  expect(result.removed).toEqual([]);
  expect(fs.statSync(result.file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(backupsDir(t.config.dataDir)).mode & 0o777).toBe(0o700);
  const copy = new Database(result.file, { readonly: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('select count(*) as n from messages where task_id = ?').get(taskId)).toEqual({ n: 2 });
  } finally {
    copy.close();
  }
  expect(latestBackup(t.config.dataDir)).toMatchObject({ file: result.file, reason: 'daily', bytes: result.bytes });
});

test('keeps the newest N daily copies (the setting); copies taken before migrations or by hand stay', async () => {
  await saveSettings(t.db, { backupsKept: 3 });
  const dir = backupsDir(t.config.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const start = Date.parse('2026-11-20T03:00:00.000Z');
  const made = (reason: 'daily' | 'manual' | 'pre-migrate', day: number) => {
    const file = path.join(dir, backupFileName(reason, new Date(start + day * DAY)));
    fs.writeFileSync(file, 'x');
    return file;
  };
  const daily = [0, 1, 2, 3, 4].map((d) => made('daily', d));
  const kept = [made('manual', 0), made('pre-migrate', 1)];
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');

  const result = await runBackupJob(t.db, t.config, new Date(start + 5 * DAY));
  expect(result.removed.sort()).toEqual(daily.slice(0, 3).sort());
  const left = listBackups(t.config.dataDir).map((b) => b.file);
  expect(left.filter((f) => f.endsWith('-daily.sqlite'))).toEqual([result.file, daily[4], daily[3]]);
  for (const file of [...kept, path.join(dir, 'notes.txt')]) expect(fs.existsSync(file)).toBe(true);
});
