/**
 * The task list in a real browser, as a member: a status filter applied by the select alone (JS on), the back
 * button, keyset pages forward and back, and a sending task whose counts follow the database without a reload,
 * on the list and on the task's own page. Tasks are written straight into the database.
 */
import type { Locator, Page } from 'playwright-core';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { insertTaskRow } from '../helpers/task-rows';

/** The script polls every 3 s while a task is sending; allow a few rounds. */
const POLL_WAIT = { timeout: 12_000 };
const SCREENSHOT = '/tmp/qunfa-task-list.png';

let harness: BrowserHarness;
let member: BrowserSession;
/** Newest first. */
const created: string[] = [];
let sendingId: string;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await addUser(db, 'admin', 'admin');
  const memberId = await addUser(db, 'mia', 'member');
  for (let i = 0; i < 30; i += 1) {
    created.unshift(await insertTaskRow(db, { status: i % 10 === 3 ? 'scheduled' : 'completed', createdBy: memberId, recipients: 4, submitted: 4, delivered: 4, sendAt: new Date(Date.now() + (i % 10 === 3 ? 86_400_000 : 0)).toISOString() }));
  }
  sendingId = await insertTaskRow(db, { status: 'sending', createdBy: memberId, recipients: 100_000, submitted: 12_000, delivered: 11_000, failed: 500, rejected: 400 });
  created.unshift(sendingId);

  member = await signedInSession(harness, 'mia');
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

async function rowIds(page: Page): Promise<string[]> {
  return page.locator('tr[data-task-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id') ?? ''));
}

function query(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

test('filter by status with the select alone; the back button returns to the whole list', async () => {
  const { page } = member;
  await page.goto('/tasks');
  expect(await page.getByRole('button', { name: 'Apply' }).isVisible()).toBe(true);
  expect(await text(page.locator('.list-total'))).toBe('31 tasks');
  const response = await navigateBy(page, () => page.getByLabel('Status').selectOption({ label: 'Scheduled' }));
  expect(response.status()).toBe(200);
  expect(query(page).get('status')).toBe('scheduled');
  const scheduled = await rowIds(page);
  expect(scheduled).toHaveLength(3);
  for (const id of scheduled) expect(await text(page.locator(`tr[data-task-id="${id}"] .badge`))).toBe('Scheduled');
  expect(await text(page.locator('.list-total'))).toBe('3 tasks');

  await page.goBack();
  expect(query(page).get('status')).toBeNull();
  expect(await rowIds(page)).toEqual(created.slice(0, 20));
  await page.goForward();
  expect(await rowIds(page)).toEqual(scheduled);

  // "Mine only" applies at once too; per page likewise, back on the first page.
  await navigateBy(page, () => page.getByLabel('Mine only').check());
  expect(query(page).get('mine')).toBe('1');
  expect(query(page).get('status')).toBe('scheduled');
  await navigateBy(page, () => page.getByRole('link', { name: 'Clear filters' }).click());
  expect(page.url()).toBe(`${harness.baseUrl}/tasks`);
});

test('pages: next, previous and first page, each the same rows however it was reached', async () => {
  const { page } = member;
  await page.goto('/tasks');
  expect(await rowIds(page)).toEqual(created.slice(0, 20));
  expect(await page.getByRole('link', { name: 'Previous page' }).count()).toBe(0);
  await navigateBy(page, () => page.getByRole('link', { name: 'Next page' }).click());
  expect(query(page).get('after')).toBe(created[19]);
  expect(await rowIds(page)).toEqual(created.slice(20));
  expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
  await navigateBy(page, () => page.getByRole('link', { name: 'Previous page' }).click());
  expect(await rowIds(page)).toEqual(created.slice(0, 20));

  await navigateBy(page, () => page.getByLabel('Per page').selectOption('50'));
  expect(await rowIds(page)).toEqual(created);
  expect(await page.locator('nav.pager').count()).toBe(0);
});

test('a sending task: its counts and progress follow the database without a reload, on the list and on its page', async () => {
  const { db } = harness.testApp;
  const { page } = member;
  await page.goto('/tasks');
  const row = page.locator(`tr[data-task-id="${sendingId}"]`);
  const cell = (name: string) => row.locator(`[data-progress-field="${name}"]`);
  expect(await text(row.locator('.task-progress'))).toBe('12,400 / 100,000');
  expect(await text(cell('outcomes.delivered'))).toBe('11,000');
  expect(await text(cell('outcomes.failed'))).toBe('900');
  expect(await text(row.locator('[data-progress-count="outcomes.rejected"]'))).toBe('incl. 400 rejected');
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(await text(cell('outcomes.pending'))).toBe('88,100');
  // A mark on the window survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  await db('tasks').where({ id: sendingId }).update({ submitted_count: 30_000, delivered_count: 27_000, failed_count: 1_000 });
  await row.locator('[data-progress-field="outcomes.delivered"]', { hasText: '27,000' }).waitFor(POLL_WAIT);
  expect(await text(row.locator('.task-progress'))).toBe('30,400 / 100,000');
  expect(await text(cell('outcomes.failed'))).toBe('1,400');
  expect(await text(cell('outcomes.pending'))).toBe('71,600');
  expect(await row.locator('progress').evaluate((bar) => (bar as HTMLProgressElement).value)).toBe(30_400);
  expect(await row.locator(`form[action="/tasks/${sendingId}/stop"]`).count()).toBe(1);

  // It ends: the badge says so in words and colour, the bar and the stop button go.
  await db('tasks').where({ id: sendingId }).update({ status: 'completed', submitted_count: 99_600, delivered_count: 99_000, failed_count: 600, completed_at: new Date().toISOString() });
  await row.locator('.badge', { hasText: 'Completed' }).waitFor(POLL_WAIT);
  expect(await row.locator('.badge').getAttribute('class')).toBe('badge badge-task-completed');
  expect(await row.locator('.task-progress').isVisible()).toBe(false);
  expect(await row.locator(`form[action="/tasks/${sendingId}/stop"]`).count()).toBe(0);
  expect(await text(cell('outcomes.pending'))).toBe('0');
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

  // The task's own page runs the same script.
  await db('tasks').where({ id: sendingId }).update({ status: 'sending', completed_at: null, submitted_count: 50_000, delivered_count: 45_000, failed_count: 1_000 });
  await page.goto(`/tasks/${sendingId}`);
  await db('tasks').where({ id: sendingId }).update({ submitted_count: 60_000, delivered_count: 55_555 });
  await page.locator('[data-count="delivered"]', { hasText: '55,555' }).waitFor(POLL_WAIT);
  expect(await text(page.locator('[data-count="rejected"]'))).toBe('400');
  expect(await text(page.locator('[data-progress-template]'))).toBe('60,400 / 100,000 handed to the carrier');
  expect(await page.locator('progress').evaluate((bar) => (bar as HTMLProgressElement).value)).toBe(60_400);
  expect(await text(page.locator('h1 .badge'))).toBe('Sending');
});
