/**
 * The marketing-at-night notice in a real browser, as a member: it appears and goes as the send time is typed
 * (without a reload), it does not stop the check, and the check page says it again.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import { switchQuietHoursOff } from '../helpers/send-rules';
import { toLocalInputValue } from '../../src/time/zoned-time';

/** The app under test runs in this zone (test/helpers/app.ts). */
const ZONE = 'Asia/Shanghai';
const CHECK_URL = /\/tasks\/(\w+)\/check$/;

let harness: BrowserHarness;
let member: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await adminMemberAndCatalogue(db, { content: '春季大促，全场五折！拒收请回复R', smsType: 'marketing', name: '春季促销' });
  // Enforced quiet hours would refuse the night schedule: the notice is what remains once an admin switched them off.
  await switchQuietHoursOff(db);
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

/** A wall-clock time two days ahead in the app's zone, as the datetime-local input holds it. */
const inTwoDays = (hhmm: string) => `${toLocalInputValue(new Date(Date.now() + 2 * 86_400_000), ZONE).slice(0, 10)}T${hhmm}`;

test('a marketing task scheduled at night: the form warns live, the check goes on, the check page warns too', async () => {
  const { page } = member;
  await page.goto('/tasks/new');
  await navigateBy(page, () => page.getByLabel('SMS type').selectOption('marketing'));
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '春季促销' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【腾讯云】' });
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill('13800138000');
  await page.getByLabel('Scheduled', { exact: true }).check();
  const sendAt = page.getByLabel(`Date and time (${ZONE})`);
  const notice = page.locator('form [data-night-notice]');

  await sendAt.fill(inTwoDays('10:00'));
  await shownAfterTyping(notice, false);
  await sendAt.fill(inTwoDays('22:30'));
  await shownAfterTyping(notice, true);
  expect(await notice.textContent()).toContain('between 21:00 and 08:00 (Asia/Shanghai)');
  await sendAt.fill(inTwoDays('08:00'));
  await shownAfterTyping(notice, false);
  await sendAt.fill(inTwoDays('23:15'));
  await shownAfterTyping(notice, true);

  await Promise.all([page.waitForURL(CHECK_URL), page.getByRole('button', { name: 'Check recipients' }).click()]);
  expect(await page.locator('[data-night-notice]').isVisible()).toBe(true);
  expect(await page.getByRole('button', { name: 'Confirm schedule' }).isEnabled()).toBe(true);
});

/** Waits until the notice is shown or hidden (the script toggles it on input). */
async function shownAfterTyping(notice: ReturnType<Page['locator']>, visible: boolean): Promise<void> {
  await notice.waitFor({ state: visible ? 'visible' : 'hidden' });
  expect(await notice.isVisible()).toBe(visible);
}
