/**
 * Issue 9, section 5, in a real browser: when every import worker is taken, the send form's progress says the
 * import is waiting for another one, then goes on to the check page once a worker is free.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import type { AppDeps } from '../../src/app';
import { csvOf, recipientRows } from '../fixtures/imports/build';

const TWO_VARS_NAME = '发货通知';
let harness: BrowserHarness;
let member: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await adminMemberAndCatalogue(db, { content: '尊敬的{1}，您的订单{2}已发货，请注意查收。', smsType: 'notification', name: TWO_VARS_NAME });
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

async function fillImportForm(page: Page): Promise<void> {
  await page.goto('/tasks/new');
  await Promise.all([page.waitForNavigation(), page.getByLabel('SMS type').selectOption({ label: 'Notification' })]);
  await Promise.all([page.waitForNavigation(), page.getByLabel('Template', { exact: true }).selectOption({ label: TWO_VARS_NAME })]);
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【腾讯云】' });
  await page.getByLabel('Recipient file (.xlsx, .xls, .csv, .txt)').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: csvOf(recipientRows(5)) });
}

test('with every import worker taken, the progress says "waiting for another import", then the check page comes', async () => {
  const gate = (harness.testApp.app.locals.deps as AppDeps).importGate!;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const holders = Array.from({ length: gate.workers }, () => gate.run(() => held));
  const { page } = member;
  await fillImportForm(page);
  const label = page.locator('[data-upload-label]');
  const arrived = page.waitForURL(/\/tasks\/D[0-9a-f]{12}\/check$/);
  await page.getByRole('button', { name: 'Check recipients' }).click();
  await label.filter({ hasText: 'Waiting for another import to finish…' }).waitFor({ timeout: 10_000 });
  release();
  await Promise.all(holders);
  await arrived;
  expect(await page.locator('[data-report] [data-count="valid"]').textContent()).toContain('5');
});
