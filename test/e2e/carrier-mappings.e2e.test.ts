/**
 * Mapping a template to a cloud provider's template in a real browser, as an admin: a Tencent account created on
 * /carriers (its fields follow the kind; the endpoint is the local fake), then from the template's page to its
 * provider templates, "Fetch from provider" filling the ID, a mismatch shown, and a typed ID saved. Then a task
 * routed to the account: refused on its check page while its template has no provider template, mapped, confirmed,
 * sent through the fake (a dispatcher given the account's cloudCarrierFor carrier, run by the test), and shown
 * completed.
 */
import { failOnBrowserErrors, navigateBy, signedInSession, startBrowserHarness, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { FakeTencent } from '../helpers/fake-tencent';
import { findMapping } from '../../src/queries/carrier-mappings.queries';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { saveRoutes } from '../../src/queries/carrier-routes.queries';
import { findCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { cloudCarrierFor } from '../../src/services/cloud-carriers.service';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { defaultSettings } from '../../src/services/settings.service';
import { createLogger } from '../../src/log';

let harness: BrowserHarness;
let admin: BrowserSession;
let fake: FakeTencent;
let templateId: number;
let plainId: number;
const CONTENT = '尊敬的{1}，您的快递已到，取件码{2}。';

beforeAll(async () => {
  fake = await new FakeTencent().start();
  fake.templates = [{ TemplateId: 2468, TemplateName: '取件', TemplateContent: CONTENT, StatusCode: 0 }];
  harness = await startBrowserHarness();
  await addUser(harness.testApp.db, 'admin', 'admin');
  templateId = await approvedTemplate(harness.testApp.db, CONTENT, 'notification', '取件通知');
  plainId = await approvedTemplate(harness.testApp.db, '本周六小区停水，请提前储水。', 'notification', '停水通知');
  await approvedSignature(harness.testApp.db, '物业中心');
  admin = await signedInSession(harness, 'admin');
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
});

failOnBrowserErrors(() => harness);

test('a Tencent account, then its provider template fetched for a Qunfa template, then typed by hand', async () => {
  const { page } = admin;
  await navigateBy(page, () => page.goto('/carriers/new'));
  await page.getByLabel('Name', { exact: true }).fill('tx');
  await page.getByLabel('Kind').selectOption('tencent');
  expect(await page.locator('fieldset[data-kind="smpp"]').isVisible()).toBe(false);
  expect(await page.locator('fieldset[data-kind="tencent"]').isVisible()).toBe(true);
  const tencent = page.locator('fieldset[data-kind="tencent"]');
  await tencent.getByLabel('SecretId').fill(fake.secretId);
  await tencent.getByLabel('SecretKey').fill(fake.secretKey);
  await tencent.getByLabel('API endpoint').fill(fake.url);
  await tencent.getByLabel('SDK app ID').fill(fake.sdkAppId);
  expect((await navigateBy(page, () => page.getByRole('button', { name: 'Create account' }).click())).status()).toBe(200);
  const row = page.locator('tr', { hasText: 'tx' });
  expect(await row.locator('[data-callback-url]').textContent()).toMatch(/^\/carrier-callbacks\/\d+\/[A-Za-z0-9_-]{43}$/);

  await navigateBy(page, () => page.goto(`/templates/${templateId}`));
  await navigateBy(page, () => page.getByRole('link', { name: 'Provider templates and signatures' }).click());
  const section = page.locator('[data-mapping-account="tx"]');
  expect(await section.getByLabel('Provider template ID or code').inputValue()).toBe('');
  await navigateBy(page, () => section.getByRole('button', { name: 'Fetch from provider' }).click());
  expect((await page.locator('.flash').first().textContent())?.trim()).toBe('tx: provider template 2468 matches.');
  expect(await page.locator('[data-mapping-account="tx"]').getByLabel('Provider template ID or code').inputValue()).toBe('2468');

  // The provider's template changes: fetching again shows the difference.
  fake.templates[0].TemplateContent = '尊敬的{1}，您的快递已到。';
  await navigateBy(page, () => page.locator('[data-mapping-account="tx"]').getByRole('button', { name: 'Fetch from provider' }).click());
  expect(await page.locator('[data-mismatch]').textContent()).toContain('a different number of variables');

  // An ID typed by hand replaces it.
  await page.locator('[data-mapping-account="tx"]').getByLabel('Provider template ID or code').fill('1357');
  await navigateBy(page, () => page.locator('[data-mapping-account="tx"]').getByRole('button', { name: 'Save' }).click());
  expect((await page.locator('.flash').first().textContent())?.trim()).toBe('Mapping saved.');
  const account = await harness.testApp.db('carrier_accounts').where({ name: 'tx' }).first();
  expect(await findMapping(harness.testApp.db, account.id, 'template', '取件通知')).toMatchObject({ providerRef: '1357', mismatch: null });
});

test('a task routed to the account: refused at the check until its template is mapped, then sent through the fake', async () => {
  const { page } = admin;
  const { db } = harness.testApp;
  const tx = (await findCarrierAccount(db, (await db('carrier_accounts').where({ name: 'tx' }).first()).id))!;
  const stub = (await db('carrier_accounts').where({ kind: 'stub' }).first()).id as number;
  await saveRoutes(db, { verification: { primary: stub, fallback: null }, notification: { primary: tx.id, fallback: null }, marketing: { primary: stub, fallback: null } });

  await page.goto('/tasks/new?smsType=notification');
  await navigateBy(page, () => page.getByLabel('Template', { exact: true }).selectOption({ label: '停水通知' }));
  await page.getByLabel('Signature', { exact: true }).selectOption({ label: '【物业中心】' });
  await page.getByLabel('Manual addition').check();
  await page.getByLabel('Phone numbers').fill('13800000000\n13800000001');
  await navigateBy(page, () => page.getByRole('button', { name: 'Check recipients' }).click());
  const checkUrl = page.url();
  expect(await page.locator('.flash-error').first().textContent()).toContain('the account "tx" has no provider template for "停水通知"');
  const refused = await navigateBy(page, () => page.getByRole('button', { name: 'Confirm and send' }).click());
  expect(refused.status()).toBe(422);

  // Mapped on the template's page, the same draft is confirmed.
  await navigateBy(page, () => page.goto(`/templates/${plainId}/mappings`));
  await page.locator('[data-mapping-account="tx"]').getByLabel('Provider template ID or code').fill('8642');
  await navigateBy(page, () => page.locator('[data-mapping-account="tx"]').getByRole('button', { name: 'Save' }).click());
  await navigateBy(page, () => page.goto(checkUrl));
  await navigateBy(page, () => page.getByRole('button', { name: 'Confirm and send' }).click());
  const taskUrl = page.url();
  expect(taskUrl).toMatch(/\/tasks\/T\d+$/);

  const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 200 };
  const dispatcher = new Dispatcher(db, cloudCarrierFor(db, tx, harness.testApp.config.secretKey), async () => settings, createLogger('silent'), { leaseMs: 30_000 });
  await dispatcher.tick();
  await dispatcher.pullReceipts();
  await dispatcher.stop();
  expect(fake.sent.filter((s) => s.templateId === '8642').map((s) => [s.phone, s.signName])).toEqual([['13800000000', '物业中心'], ['13800000001', '物业中心']]);

  await navigateBy(page, () => page.goto(taskUrl));
  expect(await page.locator('h1 .badge').innerText()).toBe('Completed');
  expect(await page.locator('[data-status-counts] [data-count="delivered"]').innerText()).toBe('2');
});
