import request from 'supertest';
import { addUser, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { createApiKey } from '../../src/services/api-keys.service';
import { runRetention } from '../../src/jobs/retention.job';
import { MESSAGE_STATUSES } from '../../src/queries/messages.queries';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

/** The counts table of the details page, by message status. */
function pageCounts(html: string): Record<string, number> {
  return Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, Number(new RegExp(`data-count="${s}">(\\d+)<`).exec(html)?.[1])]));
}

test('the API, the details page and the list’s progress give the same counts, also after retention removed the messages', async () => {
  const { taskId } = await seedTask(t.db, [...phones(40), ...numbersWithOutcome(3, '0001'), ...numbersWithOutcome(2, '0002')]);
  await runDueTasks(t.db);
  const expected = { pending: 0, submitting: 0, submitted: 0, delivered: 40, failed: 3, rejected: 2, cancelled: 0, unknown: 0 };
  const { key } = await createApiKey(t.db, { name: 'test', createdBy: 1 });
  const admin = await loginAs(t.app, 'admin');
  const views = async () => {
    const api = await request(t.app).get(`/api/v1/tasks/${taskId}`).set('Authorization', `Bearer ${key}`).expect(200);
    const page = await admin.get(`/tasks/${taskId}`).expect(200);
    const poll = await admin.get(`/tasks/progress?ids=${taskId}`).expect(200);
    const detailPoll = await admin.get(`/tasks/${taskId}/progress`).expect(200);
    return { api: api.body.task.counts, page: pageCounts(page.text), poll: poll.body.tasks[0].counts, detailPoll: detailPoll.body.tasks[0].counts };
  };
  expect(await views()).toEqual({ api: expected, page: expected, poll: expected, detailPoll: expected });

  await t.db('tasks').where({ id: taskId }).update({ completed_at: new Date(Date.now() - 100 * 86_400_000).toISOString() });
  expect((await runRetention(t.db, 90)).messages).toBe(45);
  // The API used to group over the messages, and answered zeros here while the page showed the kept counters.
  expect(await views()).toEqual({ api: expected, page: expected, poll: expected, detailPoll: expected });
});

test('GET /tasks/:id/progress: the details page’s poll, with the delivery rate and the send days; login required', async () => {
  const { taskId } = await seedTask(t.db, [...phones(8), ...numbersWithOutcome(2, '0001')]);
  const admin = await loginAs(t.app, 'admin');
  const before = await admin.get(`/tasks/${taskId}/progress`).expect(200);
  expect(before.headers['cache-control']).toBe('no-store');
  expect(before.body.tasks[0]).toMatchObject({ id: taskId, status: 'scheduled', status_label: 'Scheduled', rate: null, days: [], counts: { pending: 10 } });

  await runDueTasks(t.db);
  const after = (await admin.get(`/tasks/${taskId}/progress`).expect(200)).body.tasks[0];
  expect(after).toMatchObject({ status: 'completed', handed: 10, rate: 0.8, counts: { delivered: 8, failed: 2 } });
  expect(after.days).toEqual([{ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), first: expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/), last: expect.stringMatching(/^\d{2}:\d{2}:\d{2}$/), count: 10 }]);

  expect((await admin.get('/tasks/T999/progress').expect(200)).body).toEqual({ tasks: [] });
  expect((await admin.get('/tasks/nonsense/progress').expect(200)).body).toEqual({ tasks: [] });
  const anonymous = await request(t.app).get(`/tasks/${taskId}/progress`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error.code).toBe('login_required');
});
