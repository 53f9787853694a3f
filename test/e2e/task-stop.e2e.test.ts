/**
 * Issue 12, item 2 in a real browser: Stop on a sending task whose last batch is still with the carrier shows
 * "Stopped" at once (and keeps saying so while the page polls), with the stop time and the billed segments of what
 * was sent; once the batch is back, "Send the rest" leads to a draft's check page with the unsent recipients.
 */
import { startBrowserHarness, failOnBrowserErrors, navigateBy, signedInSession, type BrowserHarness, type BrowserSession } from '../helpers/browser';
import { addUser } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';

const MEMBER = 'mia';

let harness: BrowserHarness;
let member: BrowserSession;
let taskId: string;

beforeAll(async () => {
  harness = await startBrowserHarness();
  const { db } = harness.testApp;
  const memberId = await addUser(db, MEMBER, 'member');
  ({ taskId } = await seedTask(db, phones(10), { userId: memberId }));
  // Sending: 4 taken by the carrier, 2 in the batch it holds now, 4 not yet sent.
  await db('tasks').where({ id: taskId }).update({ status: 'sending', started_at: new Date().toISOString(), lease_owner: 'elsewhere', lease_until: new Date(Date.now() + 3_600_000).toISOString(), submitted_count: 4 });
  const ids = (await db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
  await db('messages').whereIn('id', ids.slice(0, 4)).update({ status: 'submitted' });
  await db('messages').whereIn('id', ids.slice(4, 6)).update({ status: 'submitting' });

  member = await signedInSession(harness, MEMBER);
});

afterAll(async () => {
  await harness?.close();
});

failOnBrowserErrors(() => harness);

test('stop: "Stopped" at once, its stop time, billed for what was sent; then send the rest', async () => {
  const { page } = member;
  await page.goto(`/tasks/${taskId}`);
  expect(await page.locator('h1 [data-progress-badge]').innerText()).toBe('Sending');
  page.once('dialog', (dialog) => void dialog.accept());
  await navigateBy(page, () => page.getByRole('button', { name: 'Stop' }).click());

  // The batch in flight keeps the task "sending" underneath; the page says what the person did.
  expect(await page.locator('h1 [data-progress-badge]').innerText()).toBe('Stopped');
  expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
  expect(await page.locator('[data-stopped]').innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
  expect(await page.locator('[data-completed]').count()).toBe(0);
  // 4 sent + 2 out = 6 segments may be billed; the 4 cancelled are not.
  expect(await page.locator('[data-count="segments"]').innerText()).toBe('6');
  // The progress poll answers "sending" with a "stopped" badge: the badge must not flip back.
  await page.waitForResponse((r) => r.url().includes(`/tasks/${taskId}/progress`));
  expect(await page.locator('h1 [data-progress-badge]').innerText()).toBe('Stopped');

  // The carrier answers the batch; the dispatcher ends the task.
  const { db } = harness.testApp;
  await db('messages').where({ task_id: taskId, status: 'submitting' }).update({ status: 'submitted' });
  await db('tasks').where({ id: taskId }).update({ status: 'cancelled', completed_at: new Date().toISOString(), submitted_count: 6, lease_owner: null });
  await page.reload();
  expect(await page.locator('h1 [data-progress-badge]').innerText()).toBe('Stopped');
  expect(await page.locator('[data-count="segments"]').innerText()).toBe('6');

  await navigateBy(page, () => page.getByRole('button', { name: 'Send the rest (4)' }).click());
  expect(new URL(page.url()).pathname).toMatch(/^\/tasks\/D[0-9a-f]{12}\/check$/);
  expect(await page.locator('[data-count="valid"]').innerText()).toBe('4');
  expect(await page.getByText(`the rest of stopped task ${taskId}`).count()).toBe(1);
});
