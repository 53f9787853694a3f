/**
 * A send-now task in a real browser with the real dispatcher and the stub carrier: confirm it, then watch the
 * task page reach "Completed" with the stub's predictable outcomes (numbers ending 0001 fail, 0002 are
 * rejected at submit, the others are delivered).
 */
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness } from '../helpers/browser';
import { adminMemberAndCatalogue } from '../helpers/catalogue';
import { saveSettings, defaultSettings } from '../../src/services/settings.service';

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await startBrowserHarness({ dispatch: true });
  const { db } = harness.testApp;
  await adminMemberAndCatalogue(db, { content: '您的快递已到，请及时取件。', smsType: 'notification', name: '取件提醒' });
  const stub = defaultSettings({ timeZone: 'Asia/Shanghai' }).stubCarrier;
  await saveSettings(db, { stubCarrier: { ...stub, delayMinMs: 100, delayMaxMs: 400, failureMix: {} } });
});
afterAll(() => harness?.close());
failOnBrowserErrors(() => harness);

test('confirm a send-now task and watch it complete with delivered / failed counts', async () => {
  const { page } = await signedInSession(harness, 'mia');

  await page.goto('/tasks/new?smsType=notification');
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '取件提醒' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【腾讯云】' });
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill('13800000000\n13800000001, 13800000002\n13900000017');
  await navigateBy(page, () => page.getByRole('button', { name: 'Check recipients' }).click());
  expect(page.url()).toMatch(/\/tasks\/D[0-9a-f]{12}\/check$/);
  await navigateBy(page, () => page.getByRole('button', { name: 'Confirm and send' }).click());
  const id = /\/tasks\/(T\d+)$/.exec(page.url())![1];

  const count = (status: string) => page.locator(`[data-status-counts] [data-count="${status}"]`).innerText();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const badge = await page.locator('h1 .badge').innerText();
    if (badge === 'Completed' && (await count('delivered')) === '2' && (await count('failed')) === '1') break;
    if (Date.now() > deadline) throw new Error(`task ${id} did not complete: ${badge}`);
    await page.waitForTimeout(300);
    await page.reload();
  }
  expect(await count('rejected')).toBe('1');
  expect(await count('pending')).toBe('0');
  expect(await page.locator('[data-completed]').innerText()).not.toBe('—');
});
