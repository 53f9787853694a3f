import { makeTestApp, addUser, loginAs, tokenFor, type TestApp, type Agent } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';

let t: TestApp;
let owner: Agent;
let other: Agent;
let admin: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  await addUser(t.db, 'max', 'member');
  [owner, other, admin] = [await loginAs(t.app, 'mia'), await loginAs(t.app, 'max'), await loginAs(t.app, 'admin')];
});
afterAll(() => t.close());

const later = () => new Date(Date.now() + 3_600_000);
const post = async (agent: Agent, url: string, from: string) => agent.post(url).type('form').send({ _csrf: await tokenFor(agent, from) });
const status = async (id: string) => (await t.db('tasks').where({ id }).first()).status;
const messageStatuses = async (id: string) => [...new Set(await t.db('messages').where({ task_id: id }).pluck('status'))];

test('the task page shows the snapshot and counts by status', async () => {
  const { taskId } = await seedTask(t.db, phones(4), { userId: 2, sendAt: later() });
  const page = await owner.get(`/tasks/${taskId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('您的快递已到，请及时取件。');
  expect(page.text).toMatch(/data-count="pending">4</);
  expect(page.text).toContain(`action="/tasks/${taskId}/cancel"`);
  expect((await other.get(`/tasks/${taskId}`)).text).not.toContain(`action="/tasks/${taskId}/cancel"`);
});

test('the creator cancels a scheduled task: it and its messages are cancelled', async () => {
  const { taskId } = await seedTask(t.db, phones(3), { userId: 2, sendAt: later() });
  const res = await post(owner, `/tasks/${taskId}/cancel`, `/tasks/${taskId}`);
  expect(res.status).toBe(303);
  expect(await status(taskId)).toBe('cancelled');
  expect(await messageStatuses(taskId)).toEqual(['cancelled']);
});

test('another member may not cancel (403, nothing changes); an admin may', async () => {
  const { taskId } = await seedTask(t.db, phones(2), { userId: 2, sendAt: later() });
  expect((await post(other, `/tasks/${taskId}/cancel`, '/tasks')).status).toBe(403);
  expect(await status(taskId)).toBe('scheduled');
  expect((await post(admin, `/tasks/${taskId}/cancel`, '/tasks')).status).toBe(303);
  expect(await status(taskId)).toBe('cancelled');
});

test('cancel without a CSRF token is refused', async () => {
  const { taskId } = await seedTask(t.db, phones(2), { userId: 2, sendAt: later() });
  expect((await owner.post(`/tasks/${taskId}/cancel`).type('form').send({})).status).toBe(403);
  expect(await status(taskId)).toBe('scheduled');
});

test('stop a sending task: pending messages are cancelled, submitted ones keep their state', async () => {
  const { taskId } = await seedTask(t.db, phones(6), { userId: 2 });
  await t.db('tasks').where({ id: taskId }).update({ status: 'sending', lease_owner: 'x', lease_until: later().toISOString() });
  const ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
  await t.db('messages').whereIn('id', ids.slice(0, 2)).update({ status: 'submitted' });
  const res = await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`);
  expect(res.status).toBe(303);
  expect(await status(taskId)).toBe('cancelled');
  const counts = (await t.db("messages").where({ task_id: taskId }).groupBy("status").select("status").count({ n: "*" })) as { status: string; n: number }[];
  expect(Object.fromEntries(counts.map((c: { status: string; n: number }) => [c.status, Number(c.n)]))).toEqual({ submitted: 2, cancelled: 4 });
});

test('stop while a batch is in flight: the task stays sending until the dispatcher finishes it', async () => {
  const { taskId } = await seedTask(t.db, phones(4), { userId: 2 });
  await t.db('tasks').where({ id: taskId }).update({ status: 'sending', lease_owner: 'x', lease_until: later().toISOString() });
  const [first] = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
  await t.db('messages').where({ id: first }).update({ status: 'submitting' });
  await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`);
  const task = await t.db('tasks').where({ id: taskId }).first();
  expect(task.status).toBe('sending');
  expect(task.cancelled_at).toBeTruthy();
  expect(await messageStatuses(taskId)).toEqual(expect.arrayContaining(['submitting', 'cancelled']));
});

test('cancelling a task that already started says so and changes nothing', async () => {
  const { taskId } = await seedTask(t.db, phones(2), { userId: 2 });
  await t.db('tasks').where({ id: taskId }).update({ status: 'completed' });
  const res = await post(owner, `/tasks/${taskId}/cancel`, '/tasks');
  expect(res.status).toBe(303);
  const page = await owner.get(res.headers.location);
  expect(page.text).toContain('has already started');
  expect(await status(taskId)).toBe('completed');
});
