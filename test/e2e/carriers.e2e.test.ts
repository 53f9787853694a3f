/**
 * /carriers in a real browser, as an admin: from the nav to a new SMPP account through a refused form (422, the
 * input kept, the password not), its honest state in the list, routing a type to it, and the refusal to disable an
 * account a route uses. Then, with the connector running against the test SMSC: an account that connects, a test
 * send, and its receipt showing up.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { TestSmsc } from '../helpers/smsc';

let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  await addUser(harness.testApp.db, 'admin', 'admin');
  admin = await signedInSession(harness, 'admin');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

const flash = (page: Page) => page.locator('.flash').first().textContent().then((t) => (t ?? '').trim());

test('a new SMPP account: a bad port comes back with its message and the input, then the account is listed as not connected yet', async () => {
  const { page } = admin;
  await navigateBy(page, () => page.getByRole('link', { name: 'Carriers' }).click());
  expect(await page.locator('tr', { hasText: 'Built-in simulator' }).locator('[data-state]').textContent()).toContain('Connected');
  await navigateBy(page, () => page.getByRole('link', { name: 'New account' }).click());
  await page.getByLabel('Name').fill('smsc1');
  // The SMPP settings follow the kind.
  await page.getByLabel('Kind').selectOption('stub');
  expect(await page.getByLabel('Host').isVisible()).toBe(false);
  await page.getByLabel('Kind').selectOption('smpp');
  expect(await page.getByLabel('Host').isVisible()).toBe(true);
  await page.getByLabel('Host').fill('smsc.example.net');
  await page.getByLabel('Port').fill('99999');
  await page.getByLabel('System ID').fill('qunfa');
  await page.getByLabel('Password').fill('s3cret');
  const refused = await navigateBy(page, () => page.getByRole('button', { name: 'Create account' }).click());
  expect(refused.status()).toBe(422);
  expect((await page.locator('#port-error').textContent())?.trim()).toBe('A whole number from 1 to 65535.');
  expect(await page.getByLabel('Host').inputValue()).toBe('smsc.example.net');
  expect(await page.getByLabel('Password').inputValue()).toBe('');

  await page.getByLabel('Port').fill('2775');
  await page.getByLabel('Password').fill('s3cret');
  const created = await navigateBy(page, () => page.getByRole('button', { name: 'Create account' }).click());
  expect(created.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe('/carriers');
  expect(await flash(page)).toBe('Account "smsc1" created.');
  expect(await page.locator('tr', { hasText: 'smsc1' }).locator('[data-state]').textContent()).toContain('Down — not connected yet');
  expect(await page.content()).not.toContain('s3cret');
});

test('routing notifications to the new account, then disabling it is refused with the reason', async () => {
  const { page } = admin;
  await page.locator('#notification_primary').selectOption({ label: 'smsc1' });
  await page.locator('#notification_fallback').selectOption({ label: 'Built-in simulator' });
  await navigateBy(page, () => page.getByRole('button', { name: 'Save routing' }).click());
  expect(await flash(page)).toBe('Routing saved.');
  expect(await page.locator('#notification_primary option:checked').textContent()).toBe('smsc1');
  expect(await page.locator('#notification_fallback option:checked').textContent()).toBe('Built-in simulator');

  await navigateBy(page, () => page.locator('tr', { hasText: 'smsc1' }).getByRole('button', { name: 'Disable' }).click());
  expect(await flash(page)).toBe('Not done: the routing sends Notification through this account. Change the routing first.');
});

describe('with the connector running, against the test SMSC', () => {
  let live: BrowserHarness;
  let smsc: TestSmsc;

  beforeAll(async () => {
    smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
    live = await startBrowserHarness({ dispatch: 'accounts' });
    await addUser(live.testApp.db, 'admin', 'admin');
  });

  afterAll(async () => {
    await live?.close();
    await smsc?.close();
  });

  failOnBrowserErrors(() => live);

  test('create an SMPP account, see it connect, send a test message and see its receipt arrive', async () => {
    const { page } = await signedInSession(live, 'admin');
    await page.goto('/carriers/new');
    await page.getByLabel('Name').fill('local smsc');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(smsc.port));
    await page.getByLabel('System ID').fill('qunfa');
    await page.getByLabel('Password').fill('secret');
    await navigateBy(page, () => page.getByRole('button', { name: 'Create account' }).click());
    expect(await flash(page)).toBe('Account "local smsc" created.');
    // The connector binds within a second or two; the list shows the state it wrote.
    const state = page.locator('tr', { hasText: 'local smsc' }).locator('[data-state]');
    for (let i = 0; i < 50 && (await state.getAttribute('data-state')) !== 'connected'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    expect(await state.textContent()).toContain('Connected');

    await navigateBy(page, () => page.locator('tr', { hasText: 'local smsc' }).getByRole('link', { name: 'Test send' }).click());
    await page.getByLabel('Number').fill('13800138000');
    await page.getByLabel('Text').fill('来自浏览器的测试');
    await navigateBy(page, () => page.getByRole('button', { name: 'Send test message' }).click());
    expect(await flash(page)).toBe('Test message to 13800138000 accepted by the carrier.');
    expect(smsc.submits.map((s) => [s.destination, s.text])).toEqual([['8613800138000', '来自浏览器的测试']]);
    const receipt = page.locator('[data-test-send] [data-receipt]').first();
    expect(await receipt.textContent()).toContain('Waiting for the receipt');
    // The receipt comes; the page's script shows it without a reload.
    await smsc.sendReceipt(smsc.submits[0].messageId!, { stat: 'DELIVRD', form: 'tlv' });
    await page.locator('[data-test-send] [data-receipt] code', { hasText: 'DELIVRD' }).waitFor({ timeout: 15_000 });
  });
});
