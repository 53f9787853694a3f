/**
 * /audit in a real browser, as an admin: reached from the nav, filtered with its form, a malformed filter answered
 * on the page (422, the filters kept), walked by keyset pages, and exported with the filter the page shows.
 */
import type { Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { AUDIT_PAGE_SIZE, recordAudit } from '../../src/services/audit.service';

let harness: BrowserHarness;
let admin: BrowserSession;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await addUser(db, 'admin', 'admin');
  for (let i = 0; i < AUDIT_PAGE_SIZE + 5; i += 1) {
    await recordAudit(db, { actor: { userId: 1, label: 'admin' }, ip: '198.51.100.7', action: 'export.task_messages', object: { type: 'task', id: `T${1000 + i}` }, summary: { after: { rows: i } } });
  }
  await recordAudit(db, { actor: { userId: 1, label: 'admin' }, ip: '198.51.100.7', action: 'user.role_changed', object: { type: 'user', id: 5 }, summary: { before: { role: 'member' }, after: { role: 'admin' } } });
  admin = await signedInSession(harness, 'admin');
}, 30_000);

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

const actions = (page: Page) => page.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));

test('from the nav, the newest records first, the sign-in that just happened among them', async () => {
  const { page } = admin;
  await navigateBy(page, () => page.getByRole('link', { name: 'Audit log' }).click());
  expect(new URL(page.url()).pathname).toBe('/audit');
  const seen = await actions(page);
  expect(seen[0]).toBe('auth.login_succeeded');
  expect(seen).toHaveLength(AUDIT_PAGE_SIZE);
});

test('filtering by action shows that action only, with its before → after', async () => {
  const { page } = admin;
  await page.getByLabel('Action').selectOption({ label: 'Role changed' });
  await navigateBy(page, () => page.getByRole('button', { name: 'Apply' }).click());
  expect(await actions(page)).toEqual(['user.role_changed']);
  expect(await page.locator('.audit-changes').textContent()).toContain('role: member → admin');
  expect(new URL(page.url()).searchParams.get('action')).toBe('user.role_changed');
});

test('an ID without its object type is refused on the page, and the filters stay as they were', async () => {
  const { page } = admin;
  await page.getByLabel('Actor').fill('admin');
  await page.getByLabel('Object ID').fill('T1003');
  const refused = await navigateBy(page, () => page.getByRole('button', { name: 'Apply' }).click());
  expect(refused.status()).toBe(422);
  expect((await page.locator('#filter-object-id-error').textContent())?.trim()).toBe('Choose the object type too: an ID alone could name several objects.');
  expect(await page.getByLabel('Actor').inputValue()).toBe('admin');
  expect(await page.getByLabel('Object ID').inputValue()).toBe('T1003');
  expect(await page.locator('#filter-action option:checked').textContent()).toBe('Role changed');
  expect(await page.locator('[data-audit-export]').count()).toBe(0);

  await page.getByLabel('Action').selectOption('');
  await page.getByLabel('Object type').selectOption({ label: 'Task' });
  await navigateBy(page, () => page.getByRole('button', { name: 'Apply' }).click());
  expect(await actions(page)).toEqual(['export.task_messages']);
  expect(await page.locator('tr[data-action] code').allTextContents()).toContain('T1003');
});

test('older and newer pages, then the export link carries the filter the page shows', async () => {
  const { page } = admin;
  await page.goto('/audit?action=export.task_messages');
  const first = await page.locator('tr[data-audit-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-audit-id'))));
  expect(first).toHaveLength(AUDIT_PAGE_SIZE);
  await navigateBy(page, () => page.getByRole('link', { name: 'Older records' }).click());
  const second = await page.locator('tr[data-audit-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-audit-id'))));
  expect(second).toHaveLength(5);
  expect(Math.max(...second)).toBeLessThan(Math.min(...first));
  await navigateBy(page, () => page.getByRole('link', { name: 'Newer records' }).click());
  expect(await page.locator('tr[data-audit-id]').count()).toBe(AUDIT_PAGE_SIZE);

  const href = await page.locator('[data-audit-export]').getAttribute('href');
  expect(href).toBe('/audit/export.csv?action=export.task_messages');
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).split('\r\n').filter(Boolean);
  expect(lines).toHaveLength(1 + AUDIT_PAGE_SIZE + 5);
  expect(lines[1]).toContain('export.task_messages');
});
