/**
 * /inbox in a real browser, as an admin: from the nav to the replies stored through recordInboundMessage (the one
 * entry point the carriers use), then filtered by text, number and date in the page, and a bad date answered beside
 * its field.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { recordInboundMessage } from '../../src/services/inbound-messages.service';

let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await addUser(db, 'admin', 'admin');
  const accountId = (await db('carrier_accounts').first('id')).id as number;
  const replies: [string, string, string][] = [
    ['13800138000', '退订', '2026-12-01T02:00:00.000Z'],
    ['13900139000', 'What time do you open?', '2026-12-02T03:00:00.000Z'],
    ['13800138111', 'T', '2026-12-03T04:00:00.000Z'],
  ];
  for (const [phone, text, receivedAt] of replies) await recordInboundMessage(db, { accountId, phone, text, receivedAt });
  admin = await signedInSession(harness, 'admin');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

const numbers = (page: Page) => page.locator('[data-inbox] tbody td.phone-cell').allTextContents();

test('replies are listed newest first and filtered in the page', async () => {
  const { page } = admin;
  await navigateBy(page, () => page.getByRole('link', { name: 'Inbox' }).click());
  expect(new URL(page.url()).pathname).toBe('/inbox');
  expect(await numbers(page)).toEqual(['13800138111', '13900139000', '13800138000']);
  expect(await page.locator('tr', { hasText: '13800138000' }).textContent()).toContain('Built-in simulator');

  await page.getByLabel('Text').fill('退订');
  await navigateBy(page, () => page.getByRole('button', { name: 'Filter' }).click());
  expect(await numbers(page)).toEqual(['13800138000']);

  await page.getByLabel('Text').fill('');
  await page.getByLabel('Number').fill('138 0013');
  await navigateBy(page, () => page.getByRole('button', { name: 'Filter' }).click());
  expect(await numbers(page)).toEqual(['13800138111', '13800138000']);

  // 2026-12-02 in Asia/Shanghai (the test app's zone) holds the reply received at 03:00 UTC on that day.
  await page.getByLabel('Number').fill('');
  await page.getByLabel('Received from').fill('2026-12-02');
  await page.getByLabel('Received until').fill('2026-12-02');
  await navigateBy(page, () => page.getByRole('button', { name: 'Filter' }).click());
  expect(await numbers(page)).toEqual(['13900139000']);

  await navigateBy(page, () => page.getByRole('link', { name: 'Clear filters' }).click());
  expect(await numbers(page)).toHaveLength(3);
});

test('a date range that ends before it starts is answered beside its field, the dates kept', async () => {
  const { page } = admin;
  const response = await navigateBy(page, () => page.goto('/inbox?from=2026-12-03&to=2026-12-01'));
  expect(response.status()).toBe(422);
  expect((await page.locator('#to-error').textContent())?.trim()).toBe('This date is before the "from" date.');
  expect(await page.getByLabel('Received from').inputValue()).toBe('2026-12-03');
  expect(await page.locator('[data-inbox]').count()).toBe(0);
});
