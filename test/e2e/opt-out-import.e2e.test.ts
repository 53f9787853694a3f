/**
 * Issue 14's opt-out check as a file import runs it (in the import worker, against the list held in memory), in a
 * real browser: a number put on the list after an import was checked is refused by the next import of the same file.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import { addOptOut } from '../../src/services/opt-outs.service';

const CHECK_URL = /\/tasks\/(D[0-9a-f]{12})\/check$/;
let harness: BrowserHarness;
let member: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await adminMemberAndCatalogue(db, { content: '{1}，春季大促，全场五折！回T退订', smsType: 'marketing', name: '春季促销' });
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

const FILE = { name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from('手机号码,姓名\n13800138000,张三\n13900139000,李四\n13700137000,王五\n', 'utf8') };

async function importFile(page: Page): Promise<{ valid: string; optedOut: string | null; refused: string }> {
  await page.goto('/tasks/new');
  await navigateBy(page, () => page.getByLabel('SMS type').selectOption({ label: 'Marketing' }));
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '春季促销' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【腾讯云】' });
  await page.getByLabel('Recipient file (.xlsx, .xls, .csv, .txt)').setInputFiles(FILE);
  await Promise.all([page.waitForURL(CHECK_URL), page.getByRole('button', { name: 'Check recipients' }).click()]);
  const optedOut = page.locator('[data-count="optedOut"]');
  return {
    valid: ((await page.locator('[data-count="valid"]').textContent()) ?? '').trim(),
    optedOut: (await optedOut.count()) > 0 ? ((await optedOut.textContent()) ?? '').trim() : null,
    refused: (await page.locator('body').textContent()) ?? '',
  };
}

test('a number put on the list after an import was checked is refused by the next import, with its reason', async () => {
  const first = await importFile(member.page);
  expect([first.valid, first.optedOut]).toEqual(['3', null]);

  await addOptOut(harness.testApp.db, { phone: '13900139000', reason: 'complained', source: 'manual', actor: { userId: 1, apiKeyId: null } });
  const second = await importFile(member.page);
  expect([second.valid, second.optedOut]).toEqual(['2', '1']);
  expect(second.refused).toContain('on the opt-out list');
});
