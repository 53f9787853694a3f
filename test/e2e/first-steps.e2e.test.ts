/**
 * The README's "First steps", walked in a real browser by a fresh admin: a signature, a template, both approved,
 * then a task sent to numbers typed by hand, down to its own page. Latin text only: the test machine's chromium
 * may have no CJK font, and the pictures must not show empty boxes. With UPDATE_SCREENSHOTS=1 each step is saved as
 * docs/screenshots/<n>-<step>.png, the pictures the README shows; `npm test` walks the same steps without writing.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, signIn, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { axeViolations } from '../helpers/axe';

const SHOTS = path.join(__dirname, '../../docs/screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness({ dispatch: true });
  await addUser(harness.testApp.db, 'admin', 'admin');
  admin = await harness.newSession();
  await admin.page.setViewportSize({ width: 1100, height: 760 });
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

async function click(page: Page, name: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

async function shot(page: Page, name: string): Promise<void> {
  if (UPDATE) await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

test('signature → template → approve → send, as the README tells it', async () => {
  const { page } = admin;
  // "Approve" asks for confirmation; the README's reader says yes.
  page.on('dialog', (dialog) => void dialog.accept());
  await signIn(page, 'admin');
  expect(await page.locator('[data-simulator-notice]').isVisible()).toBe(true);

  await page.goto('/signatures/new');
  await page.getByLabel('Signature', { exact: true }).fill('AcmeShop');
  await shot(page, '1-signature');
  await click(page, 'Submit for review');
  await click(page, 'Approve');
  expect(await page.locator('.review-panel .badge').textContent()).toContain('Approved');

  await page.goto('/templates/new');
  await page.getByLabel('Template name').fill('Parcel pick-up');
  await page.getByLabel('SMS type').selectOption({ label: 'Notification' });
  await page.getByLabel('Content').fill('Your parcel is at {1}. Pick-up code: {2}.');
  await page.locator('[data-fit-count]').waitFor();
  await shot(page, '2-template');
  await click(page, 'Submit for review');
  await click(page, 'Approve');
  expect(await page.locator('.review-panel .badge').textContent()).toContain('Approved');
  await shot(page, '3-approve');

  await page.goto('/templates/new');
  await page.getByLabel('Template name').fill('Order arrived');
  await page.getByLabel('SMS type').selectOption({ label: 'Notification' });
  await page.getByLabel('Content').fill('Your order has arrived. Welcome to pick it up in store.');
  await click(page, 'Submit for review');
  await click(page, 'Approve');

  await page.goto('/tasks/new');
  await Promise.all([page.waitForNavigation(), page.getByLabel('SMS type').selectOption({ label: 'Notification' })]);
  await Promise.all([page.waitForNavigation(), page.getByLabel('Template', { exact: true }).selectOption({ label: 'Order arrived' })]);
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【AcmeShop】' });
  await page.locator('.sms-bubble', { hasText: '【AcmeShop】' }).waitFor();
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill('13800138000\n13900139000\n13700137000');
  await shot(page, '4-send');
  await Promise.all([page.waitForURL(/\/tasks\/D[0-9a-f]{12}\/check$/), page.getByRole('button', { name: 'Check recipients' }).click()]);
  await shot(page, '5-check');
  // The check page needs a draft, so every-page.e2e cannot reach it: axe runs here, in both languages.
  expect(await axeViolations(page)).toEqual([]);
  const zh = await harness.newSession({ locale: 'zh-CN' });
  await zh.context.addCookies(await admin.context.cookies());
  await zh.page.goto(page.url());
  expect(await zh.page.locator('html').getAttribute('lang')).toBe('zh-CN');
  expect(await axeViolations(zh.page)).toEqual([]);
  await click(page, 'Confirm and send');
  expect(new URL(page.url()).pathname).toMatch(/^\/tasks\/T\w+$/);
  await shot(page, '6-task');
}, 60_000);
