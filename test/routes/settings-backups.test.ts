import fs from 'node:fs';
import path from 'node:path';
import { addUser, fieldError, formFields, inputValue, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { backupFileName, backupsDir } from '../../src/services/backups.service';

/** Issue 9, "Backups a self-hoster can trust": the daily copies kept (a setting) and the last backup, on /settings. */
let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  t = await makeTestApp({ env: { timeZone: 'Asia/Shanghai' } });
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
});
afterAll(() => t.close());

const lastBackupLine = (html: string) => /<p class="hint" data-last-backup>([^<]*)<\/p>/.exec(html)?.[1];

test('daily backups kept: 7 by default, 1 to 365, a message beside the field and every value kept otherwise', async () => {
  const good = formFields((await admin.get('/settings')).text, '/settings');
  expect(good.backupsKept).toBe('7');
  for (const [value, message] of [['0', 'Enter a whole number from 1 to 365.'], ['366', 'Enter a whole number from 1 to 365.'], ['', 'This field is required.'], ['3.5', 'Enter a whole number from 1 to 365.']]) {
    const res = await postForm(admin, '/settings', { ...good, backupsKept: value, retentionDays: '30' }, '/settings');
    expect([value, res.status, fieldError(res.text, 'backupsKept')]).toEqual([value, 422, message]);
    expect(inputValue(res.text, 'backupsKept')).toBe(value);
    expect(inputValue(res.text, 'retentionDays')).toBe('30');
  }
  expect((await postForm(admin, '/settings', { ...good, backupsKept: '30' }, '/settings')).status).toBe(303);
  expect(inputValue((await admin.get('/settings')).text, 'backupsKept')).toBe('30');
});

test('the last backup: none yet, then the newest copy in the backups folder, its time in the zone and its size', async () => {
  expect(lastBackupLine((await admin.get('/settings')).text)).toBe('No backup has been taken yet.');
  const dir = backupsDir(t.config.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, backupFileName('daily', new Date('2026-12-01T19:00:00.000Z'))), Buffer.alloc(10 * 1024));
  fs.writeFileSync(path.join(dir, backupFileName('pre-migrate', new Date('2026-12-03T01:30:00.000Z'))), Buffer.alloc(2_500 * 1024));
  fs.writeFileSync(path.join(dir, 'not-a-backup.sqlite'), 'x');
  expect(lastBackupLine((await admin.get('/settings')).text)).toBe('Last backup: 2026-12-03 09:30, 2,500 KB.');
  expect(lastBackupLine((await admin.get('/settings').set('Accept-Language', 'zh-CN')).text)).toBe('最近一次备份：2026-12-03 09:30，2,500 KB。');
});
