/**
 * A form sent while another process holds the database's write lock, in a real browser: the 503 page says
 * nothing was saved and offers the same form again; once the lock is gone, "Try again" saves it, once.
 */
import Database from 'better-sqlite3';
import type { Response } from 'playwright-core';
import { startBrowserHarness, navigateBy, signIn, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';


let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness({ db: { busyWaitMs: 1000 } });
  await addUser(harness.testApp.db, 'admin', 'admin');
  admin = await harness.newSession();
});
afterAll(async () => {
  await harness?.close();
});

test('a form that met a locked database is offered again, and "Try again" saves it once the lock is gone', async () => {
  const { page } = admin;
  await signIn(page, 'admin');
  await page.goto('/signatures/new');
  await page.getByLabel('Signature').fill('锁住的签名');

  const locker = new Database(harness.testApp.config.databaseFile);
  locker.exec('BEGIN IMMEDIATE');
  let busy: Response;
  try {
    busy = await navigateBy(page, page.getByRole('button', { name: 'Submit for review' }));
  } finally {
    locker.exec('ROLLBACK');
    locker.close();
  }
  expect(busy.status()).toBe(503);
  expect(await page.locator('.error-message').textContent()).toContain('Nothing was saved');
  expect(await harness.testApp.db('signatures').where({ name: '锁住的签名' }).first()).toBeUndefined();

  const saved = await navigateBy(page, page.getByRole('button', { name: 'Try again' }));
  expect(saved.status()).toBe(200);
  expect(new URL(page.url()).pathname).toMatch(/^\/signatures\/\d+$/);
  expect(await harness.testApp.db('signatures').where({ name: '锁住的签名' }).count({ n: '*' })).toEqual([{ n: 1 }]);
  // The one error the browser reports is the 503 answer itself.
  expect(harness.takeErrors().filter((e) => !e.includes('status of 503'))).toEqual([]);
});
