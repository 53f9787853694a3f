import { makeTestApp, addUser, loginAs, tokenFor, flashText, unescapeHtml, type TestApp, type Agent } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { draftRecipients } from '../helpers/task-rows';

/** Issue 12, item 2: a stopped task tells the truth (status, billed figures, stop time) and can be finished. */

let t: TestApp;
let owner: Agent;
let other: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  await addUser(t.db, 'max', 'member');
  [owner, other] = [await loginAs(t.app, 'mia'), await loginAs(t.app, 'max')];
});
afterAll(() => t.close());

const later = () => new Date(Date.now() + 3_600_000);
const post = async (agent: Agent, url: string, from: string) => agent.post(url).type('form').send({ _csrf: await tokenFor(agent, from) });
const draftsOf = async (source: string) => (await t.db('tasks').where({ resend_of: source, status: 'draft' }).pluck('id')) as string[];
const badge = (html: string) => /<h1>[^<]*<span class="badge badge-task-(\w+)" data-progress-badge>([^<]*)</.exec(html)!.slice(1);

/** A sending task of mia's whose first `sent` messages the carrier took (each 1 segment); the rest still pending. */
async function sendingTask(n: number, sent: number, inFlight = 0): Promise<{ taskId: string; all: string[] }> {
  const all = phones(n, `13${5 + (seq++ % 4)}${seq}`.slice(0, 4));
  const { taskId } = await seedTask(t.db, all, { userId: 2 });
  await t.db('tasks').where({ id: taskId }).update({ status: 'sending', started_at: new Date().toISOString(), lease_owner: 'x', lease_until: later().toISOString() });
  const ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
  await t.db('messages').whereIn('id', ids.slice(0, sent)).update({ status: 'submitted' });
  await t.db('tasks').where({ id: taskId }).update({ submitted_count: sent });
  await t.db('messages').whereIn('id', ids.slice(sent, sent + inFlight)).update({ status: 'submitting' });
  return { taskId, all };
}
let seq = 0;

test('after stop the page says "Stopped" at once, with its stop time and the segments it sent only', async () => {
  const { taskId } = await sendingTask(10, 3);
  expect((await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`)).status).toBe(303);
  const page = unescapeHtml((await owner.get(`/tasks/${taskId}`)).text);
  expect(badge(page)).toEqual(['stopped', 'Stopped']);
  expect(page).toMatch(/<dt>Stopped<\/dt><dd data-stopped>\d{4}-\d\d-\d\d \d\d:\d\d/);
  expect(page).not.toContain('data-completed');
  expect(page).not.toContain('>Finished<');
  expect(page).toMatch(/data-count="segments">3</);
  expect(page).toContain('sent only; 10 planned');
  const row = await t.db('tasks').where({ id: taskId }).first();
  expect([row.cancelled_count, row.cancelled_segments]).toEqual([7, 7]);
  expect(row.cancelled_chars * 10).toBe(row.total_chars * 7);
});

test('stopped while a batch is out: still "sending" underneath, but the badge and the progress poll say stopped', async () => {
  const { taskId } = await sendingTask(6, 1, 2);
  await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`);
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('sending');
  const page = (await owner.get(`/tasks/${taskId}`)).text;
  expect(badge(page)).toEqual(['stopped', 'Stopped']);
  expect(page).not.toContain(`action="/tasks/${taskId}/stop"`);
  const poll = await owner.get(`/tasks/${taskId}/progress`);
  expect(poll.body.tasks[0]).toMatchObject({ status: 'sending', badge: 'stopped', status_label: 'Stopped' });
  const list = await owner.get(`/tasks/progress?ids=${taskId}`);
  expect(list.body.tasks[0]).toMatchObject({ badge: 'stopped', status_label: 'Stopped' });
});

test('a task cancelled before it started still says "Cancelled", bills nothing and offers no "send the rest"', async () => {
  const { taskId } = await seedTask(t.db, phones(3, '1370'), { userId: 2, sendAt: later() });
  await post(owner, `/tasks/${taskId}/cancel`, `/tasks/${taskId}`);
  const page = (await owner.get(`/tasks/${taskId}`)).text;
  expect(badge(page)).toEqual(['cancelled', 'Cancelled']);
  expect(page).toMatch(/<dt>Cancelled<\/dt><dd data-stopped>/);
  expect(page).toMatch(/data-count="segments">0</);
  expect(page).not.toContain('/send-rest');
});

test('in Chinese: 已停止, its stop time (停止时间, not 发送完成), billed for what was sent, 发送剩余号码', async () => {
  const { taskId } = await sendingTask(10, 4);
  await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`);
  const page = unescapeHtml((await owner.get(`/tasks/${taskId}`).set('Accept-Language', 'zh-CN')).text);
  expect(badge(page)).toEqual(['stopped', '已停止']);
  expect(page).toMatch(/<dt>停止时间<\/dt><dd data-stopped>\d{4}-\d\d-\d\d \d\d:\d\d/);
  expect(page).not.toContain('发送完成');
  expect(page).toMatch(/data-count="segments">4</);
  expect(page).toContain('仅计已发送；原计划 10');
  expect(page).toContain('发送剩余号码（6）');
});

describe('send the rest', () => {
  let source: string;
  let all: string[];

  beforeAll(async () => {
    ({ taskId: source, all } = await sendingTask(8, 3));
    await post(owner, `/tasks/${source}/stop`, `/tasks/${source}`);
  });

  test('the stopped task offers it to its owner only', async () => {
    expect((await owner.get(`/tasks/${source}`)).text).toContain(`action="/tasks/${source}/send-rest"`);
    expect((await owner.get(`/tasks/${source}`)).text).toContain('Send the rest (5)');
    expect((await other.get(`/tasks/${source}`)).text).not.toContain('/send-rest');
    expect((await post(other, `/tasks/${source}/send-rest`, `/tasks/${source}`)).status).toBe(403);
    expect(await draftsOf(source)).toEqual([]);
  });

  test('a draft of the cancelled recipients, never one already sent; twice gives the same draft', async () => {
    const res = await post(owner, `/tasks/${source}/send-rest`, `/tasks/${source}`);
    expect(res.status).toBe(303);
    const id = /^\/tasks\/([^/]+)\/check$/.exec(res.headers.location)![1];
    expect((await draftRecipients(t.db, id)).map((m) => m.phone)).toEqual(all.slice(3));
    const draft = await t.db('tasks').where({ id }).first();
    expect(draft).toMatchObject({ status: 'draft', resend_of: source, source: 'resend', recipient_count: 5 });
    const check = await owner.get(res.headers.location);
    expect(flashText(check.text)).toBe(`Draft made from the unsent recipients of ${source}: 5 recipients. Check it and confirm.`);
    expect(check.text).toContain(`the rest of stopped task ${source}`);

    const again = await post(owner, `/tasks/${source}/send-rest`, `/tasks/${source}`);
    expect(again.headers.location).toBe(res.headers.location);
    expect(await draftsOf(source)).toEqual([id]);
  });

  test('a number the task already sent to in another message is left out', async () => {
    const { taskId } = await sendingTask(4, 1);
    // The last recipient's number was also the first one's, which was sent.
    const [first, , , last] = (await t.db('messages').where({ task_id: taskId }).orderBy('id').select('id', 'phone')) as { id: number; phone: string }[];
    await t.db('messages').where({ id: last.id }).update({ phone: first.phone });
    await post(owner, `/tasks/${taskId}/stop`, `/tasks/${taskId}`);
    const res = await post(owner, `/tasks/${taskId}/send-rest`, `/tasks/${taskId}`);
    const id = /^\/tasks\/([^/]+)\/check$/.exec(res.headers.location)![1];
    expect((await draftRecipients(t.db, id)).map((m) => m.phone)).not.toContain(first.phone);
    expect(await draftRecipients(t.db, id)).toHaveLength(2);
  });
});
