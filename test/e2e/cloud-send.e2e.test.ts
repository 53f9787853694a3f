/**
 * A send through a cloud provider end to end in a real browser, with the dispatcher and its carrier pool running as
 * the server runs them (`dispatch: 'accounts'`): an admin creates a Tencent account on /carriers pointing at the
 * local fake, routes notifications to it (no fallback, so nothing can slip through the simulator), and maps a
 * template to the provider's template on the template's mapping page. A member then sends that template to typed
 * numbers, confirms on the check page, and the task page ends with every message delivered from the receipts the
 * pool pulled from the fake, which received the mapped template ID. Last, a reply left on the fake is pulled by the
 * cloud-replies job (its run function, called here rather than waiting for its minute) and shows up on /inbox.
 *
 * Without the cloud kinds registered in the pool the account has no carrier: the task never leaves pending and the
 * wait for "Completed" fails.
 */
import type { Page } from 'playwright-core';
import { failOnBrowserErrors, navigateBy, signedInSession, startBrowserHarness, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { FakeTencent } from '../helpers/fake-tencent';
import { runCloudReplies } from '../../src/jobs/cloud-replies.job';

const CONTENT = '本周六小区停水，请提前储水。';
const PROVIDER_TEMPLATE = 5150;
const NUMBERS = ['13800000000', '13800000001', '13900000017'];

let harness: BrowserHarness;
let admin: BrowserSession;
let member: BrowserSession;
let fake: FakeTencent;
let templateId: number;

beforeAll(async () => {
  fake = await new FakeTencent().start();
  fake.templates = [
    { TemplateId: 4001, TemplateName: '取件', TemplateContent: '尊敬的{1}，您的快递已到。', StatusCode: 0 },
    { TemplateId: PROVIDER_TEMPLATE, TemplateName: '停水', TemplateContent: CONTENT, StatusCode: 0 },
  ];
  harness = await startBrowserHarness({ dispatch: 'accounts' });
  const { db } = harness.testApp;
  const adminId = await addUser(db, 'admin', 'admin');
  await addUser(db, 'mia', 'member');
  templateId = await approvedTemplate(db, CONTENT, 'notification', '停水通知', adminId);
  await approvedSignature(db, '物业中心', adminId);
  admin = await signedInSession(harness, 'admin');
  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
});

failOnBrowserErrors(() => harness);

const flash = (page: Page) => page.locator('.flash').first().textContent().then((t) => (t ?? '').trim());

/** Reloads the task page until it shows the task completed (a condition wait: the deadline only bounds a hang). */
async function reloadUntilCompleted(page: Page, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The task's own badge (a "Waiting for carrier" badge may stand beside it while its account has no carrier).
    const badge = await page.locator('h1 [data-progress-badge]').innerText();
    if (badge === 'Completed') return;
    if (Date.now() > deadline) {
      const waiting = await page.locator('[data-waiting-for-carrier]').allInnerTexts();
      throw new Error(`the task did not complete: ${[badge, ...waiting].join(', ')}; the fake saw ${JSON.stringify(fake.calls)}`);
    }
    await page.waitForTimeout(300);
    await navigateBy(page, () => page.reload());
  }
}

test('an admin sets up a Tencent account: created, routed to for notifications, and a template mapped to its provider template', async () => {
  const { page } = admin;
  await navigateBy(page, () => page.goto('/carriers/new'));
  await page.getByLabel('Name', { exact: true }).fill('tx');
  await page.getByLabel('Kind').selectOption('tencent');
  const tencent = page.locator('fieldset[data-kind="tencent"]');
  await tencent.getByLabel('SecretId').fill(fake.secretId);
  await tencent.getByLabel('SecretKey').fill(fake.secretKey);
  await tencent.getByLabel('API endpoint').fill(fake.url);
  await tencent.getByLabel('SDK app ID').fill(fake.sdkAppId);
  await tencent.getByLabel('Pull receipts every (seconds)').fill('5');
  expect((await navigateBy(page, () => page.getByRole('button', { name: 'Create account' }).click())).status()).toBe(200);
  expect(await flash(page)).toBe('Account "tx" created.');

  await page.locator('#notification_primary').selectOption({ label: 'tx' });
  await page.locator('#notification_fallback').selectOption('');
  await navigateBy(page, () => page.getByRole('button', { name: 'Save routing' }).click());
  expect(await flash(page)).toBe('Routing saved.');
  expect(await page.locator('#notification_primary option:checked').textContent()).toBe('tx');

  await navigateBy(page, () => page.goto(`/templates/${templateId}`));
  await navigateBy(page, () => page.getByRole('link', { name: 'Provider templates and signatures' }).click());
  await navigateBy(page, () => page.locator('[data-mapping-account="tx"]').getByRole('button', { name: 'Fetch from provider' }).click());
  expect(await flash(page)).toBe(`tx: provider template ${PROVIDER_TEMPLATE} matches.`);
  expect(await page.locator('[data-mapping-account="tx"]').getByLabel('Provider template ID or code').inputValue()).toBe(String(PROVIDER_TEMPLATE));
  expect(fake.calls.SendSms ?? 0).toBe(0);
});

test('a member sends the template to typed numbers: the fake gets the mapped template, and the task ends delivered from its receipts', async () => {
  const { page } = member;
  await navigateBy(page, () => page.goto('/tasks/new?smsType=notification'));
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '停水通知' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【物业中心】' });
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill(NUMBERS.join('\n'));
  await navigateBy(page, () => page.getByRole('button', { name: 'Check recipients' }).click());
  expect(page.url()).toMatch(/\/tasks\/D[0-9a-f]{12}\/check$/);
  expect(await page.locator('.flash-error').count()).toBe(0);
  await navigateBy(page, () => page.getByRole('button', { name: 'Confirm and send' }).click());
  expect(page.url()).toMatch(/\/tasks\/T\d+$/);

  await reloadUntilCompleted(page);
  const count = (status: string) => page.locator(`[data-status-counts] [data-count="${status}"]`).innerText();
  expect(await count('delivered')).toBe(String(NUMBERS.length));
  expect(await count('pending')).toBe('0');
  expect(await page.locator('[data-waiting-for-carrier]').count()).toBe(0);
  expect(fake.sent.map((s) => [s.phone, s.templateId, s.signName]).sort()).toEqual(NUMBERS.map((phone) => [phone, String(PROVIDER_TEMPLATE), '物业中心']));
  expect(fake.pendingReceipts()).toBe(0);
  // Nothing went through the built-in simulator.
  expect(await harness.testApp.db('stub_carrier_ledger').count({ n: '*' }).first()).toEqual({ n: 0 });
}, 60_000);

test('a reply left on the provider is pulled by the cloud-replies job and listed on /inbox', async () => {
  const { db, config } = harness.testApp;
  const { page } = admin;
  fake.addReply('13800000001', '收到，谢谢');
  await navigateBy(page, () => page.getByRole('link', { name: 'Inbox' }).click());
  const row = page.locator('[data-inbox] tbody tr', { hasText: '13800000001' });
  // The reply waits on the provider until the job asks for it.
  expect(await row.count()).toBe(0);

  expect(await runCloudReplies(db, config.secretKey)).toEqual({ stored: 1, failed: [] });
  await navigateBy(page, () => page.reload());
  expect(await row.count()).toBe(1);
  expect(await row.textContent()).toContain('收到，谢谢');
  expect(await row.textContent()).toContain('tx');
});
