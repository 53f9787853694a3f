import request from 'supertest';
import { makeTestApp, addUser, loginAs, csrfFrom, type TestApp, type Agent } from '../helpers/app';
import { draftRecipients, insertTaskRow, listedIds } from '../helpers/task-rows';

let t: TestApp;
let member: Agent;
let sendingId: string;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  member = await loginAs(t.app, 'mia');
  // 100,000 recipients: 12,000 accepted by the carrier (11,000 delivered, 500 failed so far), 400 rejected at submit.
  sendingId = await insertTaskRow(t.db, { status: 'sending', createdBy: 1, recipients: 100_000, submitted: 12_000, delivered: 11_000, failed: 500, rejected: 400 });
});
afterAll(() => t.close());

function row(html: string, id: string): string {
  const m = new RegExp(`<tr data-task-id="${id}"[\\s\\S]*?</tr>`).exec(html);
  if (!m) throw new Error(`no row for ${id}`);
  return m[0];
}

const field = (html: string, name: string) => new RegExp(`data-progress-field="${name}">([^<]*)<`).exec(html)?.[1];

test('a sending task shows its progress bar "handed / recipients" and delivered / failed / pending', async () => {
  const html = row((await member.get('/tasks')).text, sendingId);
  expect(html).toContain('badge badge-task-sending');
  expect(html).toMatch(/<div class="task-progress" data-progress-when="sending">/);
  expect(html).toContain('<progress max="100000" value="12400"');
  expect(field(html, 'handed')).toBe('12,400');
  expect(field(html, 'recipients')).toBe('100,000');
  expect(field(html, 'outcomes.delivered')).toBe('11,000');
  // Failed includes the rejected, and says how many; pending = 100,000 − 11,000 − 500 − 400.
  expect(field(html, 'outcomes.failed')).toBe('900');
  expect(html).toMatch(/data-progress-count="outcomes.rejected">incl\. 400 rejected</);
  expect(field(html, 'outcomes.pending')).toBe('88,100');
  expect(html).toMatch(/data-progress-count="outcomes.cancelled" hidden>/);
  // The creator may stop it; another member may only look.
  expect(html).not.toContain(`/tasks/${sendingId}/stop`);
  expect(html).toContain(`href="/tasks/${sendingId}"`);
});

test('row actions: cancel a scheduled task, stop a sending one (for the creator); no progress bar unless sending', async () => {
  const scheduled = await insertTaskRow(t.db, { status: 'scheduled', createdBy: 2, sendMode: 'scheduled', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
  const sending = await insertTaskRow(t.db, { status: 'sending', createdBy: 2, recipients: 5 });
  const done = await insertTaskRow(t.db, { status: 'completed', createdBy: 2, recipients: 5, submitted: 5, delivered: 3, failed: 2 });
  const html = (await member.get('/tasks')).text;
  expect(row(html, scheduled)).toContain(`action="/tasks/${scheduled}/cancel"`);
  expect(row(html, scheduled)).toMatch(/data-progress-when="sending" hidden>/);
  expect(row(html, sending)).toContain(`action="/tasks/${sending}/stop"`);
  expect(row(html, done)).not.toMatch(/action="\/tasks\/[^"]+\/(cancel|stop)"/);
  expect(row(html, scheduled)).toContain('(scheduled)');
});

test('the list page loads the progress script; the details page too, with its scope marked', async () => {
  const html = (await member.get('/tasks')).text;
  expect(html).toContain('<script src="/public/js/task-progress.js" defer></script>');
  const show = (await member.get(`/tasks/${sendingId}`)).text;
  expect(show).toContain(`data-progress-task="${sendingId}" data-task-status="sending"`);
  expect(show).toContain('<script src="/public/js/task-progress.js" defer></script>');
});

test('"resend to failed" is offered on finished tasks with failed or rejected messages, to who may resend', async () => {
  const failed = await insertTaskRow(t.db, { status: 'completed', createdBy: 2, recipients: 2, submitted: 2, delivered: 1, failed: 1, phones: ['13900000007', '13900000017'] });
  await t.db('messages').where({ task_id: failed, phone: '13900000017' }).update({ status: 'failed' });
  await t.db('messages').where({ task_id: failed, phone: '13900000007' }).update({ status: 'delivered' });
  const onlyRejected = await insertTaskRow(t.db, { status: 'cancelled', createdBy: 2, recipients: 2, rejected: 1, cancelled: 1 });
  const allDelivered = await insertTaskRow(t.db, { status: 'completed', createdBy: 2, recipients: 2, submitted: 2, delivered: 2 });
  const othersFailed = await insertTaskRow(t.db, { status: 'completed', createdBy: 1, recipients: 2, submitted: 2, failed: 2 });
  const stillSending = await insertTaskRow(t.db, { status: 'sending', createdBy: 2, recipients: 2, submitted: 1, failed: 1 });
  const html = (await member.get('/tasks?per=100')).text;
  const resendForm = (id: string) => new RegExp(`<form method="post" action="/tasks/${id}/resend"[\\s\\S]*?</form>`).exec(row(html, id))?.[0];
  expect(resendForm(failed)).toContain('name="back" value="list"');
  expect(resendForm(failed)).not.toContain('includeRejected');
  expect(resendForm(onlyRejected)).toContain('name="includeRejected" value="1"');
  for (const id of [allDelivered, othersFailed, stillSending]) expect(resendForm(id)).toBeUndefined();

  const res = await member.post(`/tasks/${failed}/resend`).type('form').send({ back: 'list', _csrf: csrfFrom(html) });
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/^\/tasks\/T\d+\/check$/);
  const draft = res.headers.location.split('/')[2];
  expect((await draftRecipients(t.db, draft)).map((r) => r.phone)).toEqual(['13900000017']);
});

describe('GET /tasks/progress', () => {
  test('needs a logged-in session: 401 JSON, not a redirect', async () => {
    const res = await request(t.app).get(`/tasks/progress?ids=${sendingId}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('login_required');
  });

  test('status, handed and counts by message status, from the task counters', async () => {
    // Two messages of a batch in flight: the counters count them as not yet handed.
    await t.db('messages').insert(
      ['13900000007', '13900000017'].map((phone, i) => ({ task_id: sendingId, row_number: i + 1, phone, params: '[]', content: 'x', chars: 1, segments: 1, status: 'submitting' })),
    );
    const res = await member.get(`/tasks/progress?ids=${sendingId}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      tasks: [
        {
          id: sendingId,
          status: 'sending',
          status_label: 'Sending',
          recipients: 100_000,
          handed: 12_400,
          outcomes: { delivered: 11_000, failed: 900, rejected: 400, pending: 88_100, cancelled: 0, unknown: 0 },
          counts: { pending: 87_598, submitting: 2, submitted: 500, delivered: 11_000, failed: 500, rejected: 400, cancelled: 0, unknown: 0 },
          rate: 11_000 / 11_900,
        },
      ],
    });
    const total = Object.values(res.body.tasks[0].counts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(100_000);
  });

  test('follows the counters as the dispatcher moves them, in the order asked; drafts and unknown ids are left out', async () => {
    const other = await insertTaskRow(t.db, { status: 'completed', recipients: 3, submitted: 3, delivered: 3 });
    const draft = await insertTaskRow(t.db, { status: 'draft' });
    await t.db('tasks').where({ id: sendingId }).increment({ submitted_count: 100, delivered_count: 50 });
    const res = await member.get(`/tasks/progress?ids=${other},${draft},T999,${sendingId},${other}`);
    expect(res.body.tasks.map((x: { id: string }) => x.id)).toEqual([other, sendingId]);
    expect(res.body.tasks[0]).toMatchObject({ status: 'completed', handed: 3, outcomes: { delivered: 3, pending: 0 } });
    expect(res.body.tasks[1]).toMatchObject({ handed: 12_500, outcomes: { delivered: 11_050, pending: 88_050 } });
  });

  test('the labels follow the language of the session', async () => {
    const zh = await loginAs(t.app, 'mia');
    const page = await zh.get('/tasks').set('Accept-Language', 'zh-CN');
    expect(listedIds(page.text)).toContain(sendingId);
    const res = await zh.get(`/tasks/progress?ids=${sendingId}`).set('Accept-Language', 'zh-CN');
    expect(res.body.tasks[0].status_label).toBe('发送中');
  });

  test.each([
    ['more than 100 ids', () => Array.from({ length: 101 }, (_, i) => `T${i + 1}`).join(','), 'too_many_ids'],
    ['an id that is not a task id', () => `${sendingId},1 OR 1=1`, 'bad_ids'],
    ['ids given twice', () => `${sendingId}&ids=${sendingId}`, 'bad_ids'],
  ])('%s: 400 JSON', async (_name, ids, code) => {
    const res = await member.get(`/tasks/progress?ids=${ids()}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  test('100 ids (a full page) are fine; no ids answer an empty list', async () => {
    const hundred = Array.from({ length: 99 }, (_, i) => `T${i + 1}`).concat(sendingId).join(',');
    expect((await member.get(`/tasks/progress?ids=${hundred}`)).body.tasks).toHaveLength(1);
    expect((await member.get('/tasks/progress')).body).toEqual({ tasks: [] });
  });
});
