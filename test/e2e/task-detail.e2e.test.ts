/**
 * The task details in a real browser, as the member who sent the task: the summary of a completed task, the
 * filter by status (query string, no script needed), the CSV export of that filter (the downloaded file is read
 * back), and "resend to failed" up to the new draft's check page with the right number of recipients. The task
 * is seeded and run to its final states by the real dispatcher and the stub carrier (deterministic numbers).
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';

const MEMBER = 'mia';
const DELIVERED = numbersWithOutcome(70, '0000', '138');
const FAILED = [...numbersWithOutcome(8, '0001', '139'), ...numbersWithOutcome(4, '0003', '137')];
const REJECTED = numbersWithOutcome(3, '0002', '136');
const SCREENSHOT = '/tmp/qunfa-task-detail.png';

let harness: BrowserHarness;
let member: BrowserSession;
let taskId: string;
let tmpDir: string;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  await addUser(db, 'admin', 'admin');
  const memberId = await addUser(db, MEMBER, 'member');
  ({ taskId } = await seedTask(db, [...DELIVERED, ...FAILED, ...REJECTED], { userId: memberId }));
  await runDueTasks(db);
  tmpDir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'qunfa-e2e-detail-'));

  member = await signedInSession(harness, MEMBER);
});

afterAll(async () => {
  await harness?.close();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

failOnBrowserErrors(() => harness);

test('open a completed task, filter by failed, export the CSV, resend to failed, reach the check page', async () => {
  const { page } = member;
  await page.goto(`/tasks/${taskId}`);
  expect(await page.locator('h1').innerText()).toContain('Completed');
  expect(await page.locator('[data-count="delivered"]').innerText()).toBe('70');
  expect(await page.locator('[data-count="failed"]').innerText()).toBe('12');
  expect(await page.locator('[data-count="rejected"]').innerText()).toBe('3');
  expect(await page.locator('[data-total="rate"]').innerText()).toBe('82.4%');
  expect(await page.locator('[data-send-day]').count()).toBe(1);
  // 85 messages: a first page of 50.
  expect(await page.locator('[data-message-id]').count()).toBe(50);
  expect(await page.locator('[data-filtered-count]').innerText()).toBe('85 messages');

  // Filter by status: a plain GET form, so the filter lives in the address (bookmarkable).
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Failed' });
  await navigateBy(page, () => page.getByRole('button', { name: 'Filter' }).click());
  expect(new URL(page.url()).searchParams.get('status')).toBe('failed');
  expect(await page.locator('[data-filtered-count]').innerText()).toBe('12 messages match the filter');
  const shown = await page.locator('.phone-cell').allInnerTexts();
  expect(shown.sort()).toEqual([...FAILED].sort());
  expect(new Set(await page.locator('[data-message-id] [data-status]').allInnerTexts())).toEqual(new Set(['Failed']));
  expect(await page.locator('[data-message-id]').first().innerText()).toMatch(/UNDELIV|EXPIRED/);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Export the current filter as CSV and read the downloaded file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .csv' }).click()]);
  expect(download.suggestedFilename()).toBe(`${taskId}-messages.csv`);
  const file = nodePath.join(tmpDir, download.suggestedFilename());
  await download.saveAs(file);
  const text = fs.readFileSync(file, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const lines = text.slice(1).split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('Phone number,Content,Characters,Segments,Sending time,Status report time,Status,Receipt code,Remarks');
  expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([...FAILED].sort());
  expect(lines.slice(1).every((l) => l.includes(',Failed,'))).toBe(true);

  // Resend to failed: a new draft with the 12 failed recipients, on its check page.
  await navigateBy(page, () => page.getByRole('button', { name: /Resend to failed/ }).click());
  // A draft has a handle, not a task id: the id is given at confirm.
  const check = /\/tasks\/(D[0-9a-f]{12})\/check$/.exec(new URL(page.url()).pathname);
  expect(check).not.toBeNull();
  expect(check![1]).not.toBe(taskId);
  expect(await page.locator('[data-count="valid"]').innerText()).toBe('12');
  expect(await page.locator('.flash').innerText()).toContain(`Draft made from the failed messages of ${taskId}: 12 recipients.`);
  expect(await page.getByRole('button', { name: 'Confirm and send' }).isVisible()).toBe(true);

  // Back on the source, the resend is listed and doing it again lands on the same draft.
  await page.goto(`/tasks/${taskId}`);
  expect(await page.locator('[data-resend-task]').allInnerTexts()).toEqual(['unconfirmed check']);
  expect(await page.locator('[data-resend-task]').getAttribute('href')).toBe(`/tasks/${check![1]}/check`);
  await navigateBy(page, () => page.getByRole('button', { name: /Resend to failed/ }).click());
  expect(new URL(page.url()).pathname).toBe(`/tasks/${check![1]}/check`);
});
