/**
 * Issue 14 in a real browser: the opt-out list (add, a refused number, an import, removal by an admin only), the send
 * rules on /settings (an overlapping window refused on its field, then saved), and the send form refusing a marketing
 * task scheduled inside quiet hours with the first allowed time.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import { daysBefore, localDay } from '../../src/opt-outs/cap-days';

const ZONE = 'Asia/Shanghai';
let harness: BrowserHarness;
let admin: BrowserSession;
let member: BrowserSession;

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await adminMemberAndCatalogue(db, { content: '春季大促，全场五折！回T退订', smsType: 'marketing', name: '春季促销' });
  admin = await signedInSession(harness, 'admin');
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

/** The send form posts by XHR, so its refusal (422, rendered in place) is logged like a failed load; only that one is forgiven. */
const isRefusedCheck = (error: string) => error.endsWith(`: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity) (${harness.baseUrl}/tasks)`);

failOnBrowserErrors(() => harness, isRefusedCheck);

test('opt-outs: a refused number keeps what was typed; a number added; a file imported; removed by an admin with a reason', async () => {
  const { page } = admin;
  await page.goto('/tasks');
  await navigateBy(page, () => page.getByRole('link', { name: 'Opt-outs' }).first().click());
  await page.getByLabel('Number', { exact: true }).fill('12345');
  await page.getByLabel('Reason').first().fill('called the hotline');
  const refused = await navigateBy(page, () => page.getByRole('button', { name: 'Add to the list' }).click());
  expect(refused.status()).toBe(422);
  expect(await text(page, '#phone-error')).toBe('Not a mainland mobile number.');
  expect(await page.getByLabel('Reason').first().inputValue()).toBe('called the hotline');

  await page.getByLabel('Number', { exact: true }).fill('13800138000');
  await navigateBy(page, () => page.getByRole('button', { name: 'Add to the list' }).click());
  expect(await text(page, '.flash')).toBe('13800138000 is on the opt-out list.');
  expect(await page.locator('tr[data-opt-out="13800138000"]').count()).toBe(1);

  await page.goto('/opt-outs');
  await page.locator('#file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from('13700137000\n13700137001\nnot a number\n') });
  await page.getByLabel('Reason').nth(1).fill('complaints');
  await navigateBy(page, () => page.getByRole('button', { name: 'Import' }).click());
  expect(await text(page, '.flash')).toBe('Imported: 2 added, 0 already on the list, 1 row refused.');
  expect(await page.locator('tr[data-opt-out]').count()).toBe(3);

  await page.getByLabel('Reason for removing 13700137001').fill('asked to be added back');
  await navigateBy(page, () => page.locator('tr[data-opt-out="13700137001"]').getByRole('button', { name: 'Remove' }).click());
  expect(await text(page, '.flash')).toBe('13700137001 was removed from the opt-out list.');
  expect(await page.locator('tr[data-opt-out="13700137001"]').count()).toBe(0);
  expect(await page.locator('[data-opt-out-history] tr[data-change="remove"]').count()).toBe(1);
});

test('opt-outs: a member sees the list and can add, but has no Remove', async () => {
  const { page } = member;
  await page.goto('/opt-outs');
  expect(await page.locator('tr[data-opt-out="13800138000"]').count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
});

test('settings: a window that starts and ends at the same time is refused on its field, then the send rules are saved', async () => {
  const { page } = admin;
  await page.goto('/settings');
  await page.getByLabel('Until').fill('21:00');
  await page.getByLabel('At most this many per number per day').fill('1');
  const refused = await navigateBy(page, () => page.getByRole('button', { name: 'Save send rules' }).click());
  expect(refused.status()).toBe(422);
  expect(await text(page, '#quietEnd-error')).toBe('The window must not start and end at the same time.');
  expect(await page.getByLabel('At most this many per number per day').inputValue()).toBe('1');
  await page.getByLabel('Until').fill('08:00');
  await navigateBy(page, () => page.getByRole('button', { name: 'Save send rules' }).click());
  expect(await text(page, '.flash')).toBe('Send rules saved.');
  expect(await page.getByLabel('At most this many per number per day').inputValue()).toBe('1');
  // Back to no cap, so the next test's member is not held by it.
  await page.getByLabel('At most this many per number per day').fill('0');
  await navigateBy(page, () => page.getByRole('button', { name: 'Save send rules' }).click());
});

test('the send form: a marketing task scheduled at 22:00 is refused with the first allowed time, choices kept', async () => {
  const { page } = member;
  await page.goto('/tasks/new');
  await navigateBy(page, () => page.getByLabel('SMS type').selectOption({ label: 'Marketing' }));
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '春季促销' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【腾讯云】' });
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill('13900139000');
  await page.getByLabel('Scheduled', { exact: true }).check();
  const today = localDay(new Date(), ZONE);
  const at = `${daysBefore(today, -1)}T22:00`;
  await page.getByLabel(`Date and time (${ZONE})`).fill(at);
  await page.getByRole('button', { name: 'Check recipients' }).click();
  const message = page.locator('#sendAt-error');
  await message.waitFor();
  expect(((await message.textContent()) ?? '').trim()).toBe(
    `That time is inside the quiet hours for marketing (21:00–08:00, ${ZONE}). The first allowed time is ${daysBefore(today, -2)} 08:00 (${ZONE}).`,
  );
  expect(await page.getByLabel(`Date and time (${ZONE})`).inputValue()).toBe(at);
  expect(await page.getByLabel('Phone numbers').inputValue()).toBe('13900139000');
});
