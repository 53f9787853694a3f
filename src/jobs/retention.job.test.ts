import { makeTestApp, addUser, loginAs, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../../test/helpers/outcomes';
import { runRetention, runRetentionJob } from './retention.job';
import { saveSettings } from '../services/settings.service';

let t: TestApp;
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();
const count = async (table: string, taskId: string) => Number((await t.db(table).where({ task_id: taskId }).count({ n: '*' }))[0].n);

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

test('messages of tasks finished longer ago than the setting go, 1,000 a batch, with their receipts; the task rows stay', async () => {
  const { taskId: old } = await seedTask(t.db, [...phones(2480, '1390'), ...numbersWithOutcome(20, '0001')]);
  const { taskId: recent } = await seedTask(t.db, phones(30, '1391'));
  await runDueTasks(t.db);
  const { taskId: waiting } = await seedTask(t.db, phones(5, '1392'), { sendAt: new Date(Date.now() + 3_600_000) });
  const { taskId: cancelledLongAgo } = await seedTask(t.db, phones(7, '1393'), { sendAt: new Date(Date.now() + 3_600_000) });
  await t.db('tasks').where({ id: old }).update({ completed_at: daysAgo(91) });
  await t.db('tasks').where({ id: recent }).update({ completed_at: daysAgo(89) });
  await t.db('tasks').where({ id: waiting }).update({ created_at: daysAgo(400) });
  // A task without a completion time is as old as its creation.
  await t.db('tasks').where({ id: cancelledLongAgo }).update({ status: 'cancelled', completed_at: null, created_at: daysAgo(200) });
  const before = await t.db('tasks').where({ id: old }).first();
  expect(await count('receipts', old)).toBe(2500);

  const result = await runRetention(t.db, 90);

  expect(result).toEqual({ tasks: 2, messages: 2507, receipts: 2500, batches: 4 });
  expect(await count('messages', old)).toBe(0);
  expect(await count('receipts', old)).toBe(0);
  expect(await count('messages', cancelledLongAgo)).toBe(0);
  expect(await count('messages', recent)).toBe(30);
  expect(await count('receipts', recent)).toBe(30);
  expect(await count('messages', waiting)).toBe(5);
  expect(await t.db('tasks').where({ id: old }).first()).toEqual(before);
  // Nothing left to do: a second run changes nothing.
  expect(await runRetention(t.db, 90)).toEqual({ tasks: 0, messages: 0, receipts: 0, batches: 0 });
});

test('each batch is its own short transaction: other work gets the connection in between', async () => {
  const { taskId } = await seedTask(t.db, phones(3000, '1394'));
  await t.db('tasks').where({ id: taskId }).update({ status: 'completed', completed_at: daysAgo(100) });
  const seen: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      seen.push(await count('messages', taskId));
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await runRetention(t.db, 90, new Date(), 500);
  polling = false;
  await poll;
  // Reads ran between the deletes and saw the task shrink 500 at a time, never a half-done batch.
  const distinct = [...new Set(seen)];
  expect(distinct.length).toBeGreaterThan(2);
  expect(distinct.every((n) => n % 500 === 0)).toBe(true);
});

test('the daily job follows the setting, and the task page says the details were removed', async () => {
  await addUser(t.db, 'mia', 'member');
  const { taskId } = await seedTask(t.db, [...phones(8, '1395'), ...numbersWithOutcome(2, '0001')], { userId: 2 });
  await runDueTasks(t.db);
  await t.db('tasks').where({ id: taskId }).update({ completed_at: daysAgo(40) });
  expect((await runRetentionJob(t.db)).messages).toBe(0);
  await saveSettings(t.db, { retentionDays: 30 });
  expect((await runRetentionJob(t.db)).messages).toBe(10);

  const agent = await loginAs(t.app, 'mia');
  const page = await agent.get(`/tasks/${taskId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('The per-message details of this task were removed by retention: message rows are kept for 30 days after a task finishes.');
  expect(page.text).toMatch(/data-count="delivered">8</);
  expect(page.text).toMatch(/data-count="failed">2</);
  expect(page.text).not.toContain('data-message-id');
  expect(page.text).not.toContain('data-send-days');
  const csv = await agent.get(`/tasks/${taskId}/messages.csv`);
  expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(1);
});

test('the daily job also removes audit records past the audit setting, and only those', async () => {
  const old = { actor_label: 'system', action: 'setting.changed', created_at: daysAgo(400) };
  await t.db('audit_records').insert([old, { ...old, created_at: daysAgo(100) }]);
  const before = Number((await t.db('audit_records').count({ n: '*' }))[0].n);
  expect((await runRetentionJob(t.db)).auditRecords).toBe(1);
  await saveSettings(t.db, { auditRetentionDays: 90 });
  expect((await runRetentionJob(t.db)).auditRecords).toBe(1);
  // Everything recorded today (the users made above, the settings change) stays.
  expect(Number((await t.db('audit_records').count({ n: '*' }))[0].n)).toBe(before - 2 + 1);
});
