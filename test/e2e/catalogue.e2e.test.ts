/**
 * The first-run journey in a real browser: setup, login, a member's signature and template, the admin's review,
 * a failed form that keeps what was typed, and the language switch. The tests run in order and share one app,
 * one database and the sessions they log in, as a real installation would.
 */
import type { Dialog, Locator, Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signIn, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { PASSWORD } from '../helpers/app';


const ADMIN = 'admin';
const MEMBER = 'alice';
const SIGNATURE = '腾讯云';
const TEMPLATE_NAME = '到货通知';
const TEMPLATE_CONTENT = '您的包裹已到达{1}，请及时领取。';
const REJECT_REASON = '内容不规范';
const SCREENSHOT = '/tmp/qunfa-template-form.png';

let harness: BrowserHarness;
let admin: BrowserSession;
let member: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  admin = await harness.newSession();
  member = await harness.newSession();
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

function path(page: Page): string {
  return new URL(page.url()).pathname;
}

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

async function logIn(page: Page, username: string): Promise<void> {
  const response = await signIn(page, username);
  expect(response.status()).toBe(200);
}

test('first run: / leads to /setup, which creates the admin; the admin creates a member', async () => {
  const { page } = admin;
  await page.goto('/');
  expect(path(page)).toBe('/setup');

  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  await navigateBy(page, page.getByRole('button', { name: 'Create administrator' }));
  expect(path(page)).toBe('/signatures');
  expect(await text(page.getByRole('status'))).toBe('Welcome! Your administrator account is ready.');
  expect(await text(page.locator('.whoami'))).toBe('admin · Admin');

  await page.goto('/users/new');
  await page.getByLabel('Username').fill(MEMBER);
  await page.getByLabel('Role').selectOption({ label: 'Member' });
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  await navigateBy(page, page.getByRole('button', { name: 'Create user' }));
  expect(path(page)).toBe('/users');
  expect(await text(page.getByRole('status'))).toBe(`User ${MEMBER} created.`);
  expect(await text(page.getByRole('row', { name: new RegExp(MEMBER) }))).toContain('Member');
});

test('a member logs in and submits a signature and a template; the counter follows the typing', async () => {
  const { page } = member;
  await page.goto('/signatures');
  expect(path(page)).toBe('/login');
  await page.getByLabel('Username').fill(MEMBER);
  await page.getByLabel('Password').fill(PASSWORD);
  await navigateBy(page, page.getByRole('button', { name: 'Log in' }));
  expect(path(page)).toBe('/signatures');
  expect(await text(page.locator('.whoami'))).toBe(`${MEMBER} · Member`);

  await navigateBy(page, page.getByRole('link', { name: 'New signature' }));
  await page.getByLabel('Signature', { exact: true }).fill(SIGNATURE);
  await navigateBy(page, page.getByRole('button', { name: 'Submit for review' }));
  expect(path(page)).toMatch(/^\/signatures\/\d+$/);
  expect(await text(page.getByRole('heading', { level: 1 }))).toBe(`【${SIGNATURE}】`);
  expect(await text(page.locator('.review-panel .badge'))).toBe('Pending review');

  await page.goto('/templates');
  await navigateBy(page, page.getByRole('link', { name: 'New template' }));
  await page.getByLabel('Template name').fill(TEMPLATE_NAME);
  await page.getByLabel('SMS type').selectOption({ label: 'Notification' });
  const content = page.getByLabel('Content');
  const counter = page.locator('[data-counter-output]');
  expect(await text(counter)).toBe('0 / 500 characters · No variables');

  const beforeVariable = TEMPLATE_CONTENT.slice(0, TEMPLATE_CONTENT.indexOf('{1}'));
  await content.pressSequentially(beforeVariable);
  expect(await text(counter)).toBe(`${beforeVariable.length} / 500 characters · No variables`);
  await content.pressSequentially(TEMPLATE_CONTENT.slice(beforeVariable.length));
  expect(await text(counter)).toBe(`${TEMPLATE_CONTENT.length} / 500 characters · Variables: {1}`);
  expect(path(page)).toBe('/templates/new');

  await navigateBy(page, page.getByRole('button', { name: 'Submit for review' }));
  expect(path(page)).toMatch(/^\/templates\/\d+$/);
  expect(await text(page.getByRole('heading', { level: 1 }))).toBe(TEMPLATE_NAME);
  expect(await text(page.locator('.template-content'))).toBe(TEMPLATE_CONTENT);
  expect(await text(page.locator('.review-panel .badge'))).toBe('Pending review');

  await page.goto('/signatures');
  expect(await text(page.getByRole('row', { name: new RegExp(SIGNATURE) }))).toContain('Pending review');
});

test('the admin approves the signature and rejects the template, which needs a reason; each asks first', async () => {
  const { page } = admin;
  // Approve and reject ask for confirmation: dismissed, nothing is sent; accepted, the form is posted.
  const prompts: string[] = [];
  let answer = false;
  const onDialog = (dialog: Dialog) => {
    prompts.push(dialog.message());
    void (answer ? dialog.accept() : dialog.dismiss());
  };
  page.on('dialog', onDialog);
  await page.goto('/signatures');
  await navigateBy(page, page.getByRole('link', { name: `【${SIGNATURE}】` }));
  await page.getByRole('button', { name: 'Approve' }).click();
  expect(prompts).toEqual([`Approve “${SIGNATURE}”? It can then be used for sending.`]);
  expect(await text(page.locator('.review-panel .badge'))).toBe('Pending review');
  answer = true;
  await navigateBy(page, page.getByRole('button', { name: 'Approve' }));
  expect(await text(page.getByRole('status'))).toBe(`“${SIGNATURE}” approved.`);
  expect(await text(page.locator('.review-panel .badge'))).toBe('Approved');

  await page.goto('/templates');
  await navigateBy(page, page.getByRole('link', { name: TEMPLATE_NAME }));
  const templatePath = path(page);
  // The reason box sits beside its button, on the same line, to the button's left.
  const box = (await page.getByLabel('Reason for rejection').boundingBox())!;
  const button = (await page.getByRole('button', { name: 'Reject' }).boundingBox())!;
  expect(button.x).toBeGreaterThan(box.x + box.width - 1);
  expect(button.y + button.height / 2).toBeGreaterThan(box.y);
  expect(button.y + button.height / 2).toBeLessThan(box.y + box.height);
  const refused = await navigateBy(page, page.getByRole('button', { name: 'Reject' }));
  expect(refused.status()).toBe(422);
  const reason = page.getByLabel('Reason for rejection');
  expect(await reason.getAttribute('aria-invalid')).toBe('true');
  expect(await text(page.locator(`#${await reason.getAttribute('aria-describedby')}`))).toBe(
    'Say why it is rejected: the author sees this reason.',
  );
  expect(await text(page.locator('.review-panel .badge'))).toBe('Pending review');

  await reason.fill(REJECT_REASON);
  await navigateBy(page, page.getByRole('button', { name: 'Reject' }));
  expect(path(page)).toBe(templatePath);
  expect(await text(page.getByRole('status'))).toBe(`“${TEMPLATE_NAME}” rejected.`);
  expect(await text(page.locator('.review-panel .badge'))).toBe('Rejected');
  expect(await page.getByLabel('Reason for rejection').count()).toBe(0);
  expect(prompts.slice(2)).toEqual([`Reject “${TEMPLATE_NAME}”? Its author sees your reason.`, `Reject “${TEMPLATE_NAME}”? Its author sees your reason.`]);
  page.off('dialog', onDialog);
});

test('the member sees the rejection and its reason in the list and on the template', async () => {
  const { page } = member;
  await page.goto('/templates');
  const row = page.getByRole('row', { name: new RegExp(TEMPLATE_NAME) });
  expect(await text(row.locator('.badge'))).toBe('Rejected');
  expect(await text(row.locator('.review-reason'))).toBe(REJECT_REASON);

  await navigateBy(page, row.getByRole('link', { name: TEMPLATE_NAME }));
  expect(await text(page.locator('.review-panel .badge'))).toBe('Rejected');
  expect(await text(page.locator('.review-panel dd.review-reason'))).toBe(REJECT_REASON);
  expect(await page.getByRole('button', { name: 'Reject' }).count()).toBe(0);

  await page.goto('/signatures');
  expect(await text(page.getByRole('row', { name: new RegExp(SIGNATURE) }).locator('.badge'))).toBe('Approved');
});

test('a refused template form answers 422 with the message beside the content and everything typed kept', async () => {
  const { page } = member;
  const name = '春季促销';
  const content = '春季大促，全场五折！';
  await page.goto('/templates/new');
  await page.getByLabel('Template name').fill(name);
  await page.getByLabel('SMS type').selectOption({ label: 'Marketing' });
  await page.getByLabel('Content').fill(content);
  const response = await navigateBy(page, page.getByRole('button', { name: 'Submit for review' }));
  expect(response.status()).toBe(422);

  const contentField = page.locator('.field', { has: page.getByLabel('Content') });
  expect(await text(contentField.locator('.field-error'))).toMatch(/^A marketing template must end with an unsubscribe phrase: .*退订回T/);
  const described = (await page.getByLabel('Content').getAttribute('aria-describedby')) ?? '';
  expect(described.split(' ')).toContain('content-error');
  expect(await page.getByLabel('Content').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('.field-error').count()).toBe(1);

  expect(await page.getByLabel('Template name').inputValue()).toBe(name);
  expect(await page.getByLabel('SMS type').inputValue()).toBe('marketing');
  expect(await page.getByLabel('Content').inputValue()).toBe(content);
  expect(await text(page.locator('[data-counter-output]'))).toBe(`${content.length} / 500 characters · No variables`);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

test('choosing 简体中文 switches the whole UI at once, and the choice stays', async () => {
  const { page } = member;
  await page.goto('/templates');
  expect(await page.getByRole('button', { name: 'Switch' }).isVisible()).toBe(false);

  const [response] = await Promise.all([page.waitForNavigation(), page.getByLabel('Language').selectOption({ label: '简体中文' })]);
  expect(response?.status()).toBe(200);
  expect(path(page)).toBe('/templates');
  const nav = page.getByRole('navigation', { name: '主导航' });
  expect(await nav.getByRole('link', { name: '签名管理' }).count()).toBe(1);
  expect(await nav.getByRole('link', { name: '模板管理' }).count()).toBe(1);
  expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

  await page.reload();
  expect(await nav.getByRole('link', { name: '签名管理' }).count()).toBe(1);
  expect(await text(page.getByRole('heading', { level: 1 }))).not.toBe('Templates');

  // The choice belongs to the user: a new session with an English browser still gets Chinese after login.
  const other = await harness.newSession({ locale: 'en-US' });
  await logIn(other.page, MEMBER);
  expect(await other.page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '模板管理' }).count()).toBe(1);
  await other.context.close();
});
