import request from 'supertest';
import { addUser, loginAs, makeTestApp, type Agent, type TestApp } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS } from '../../src/carrier/stub.carrier';
import { defaultSettings } from '../../src/services/settings.service';
import { createLogger } from '../../src/log';
import { addOptOut } from '../../src/services/opt-outs.service';
import { createApiKey } from '../../src/services/api-keys.service';

/** Issue 14: a message skipped at send time is visible on the task page, its filter, its export and the API. */

let t: TestApp;
let admin: Agent;
let taskId: string;
const numbers = phones(4);

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
  ({ taskId } = await seedTask(t.db, numbers));
  await t.db('tasks').where({ id: taskId }).update({ sms_type: 'marketing' });
  await addOptOut(t.db, { phone: numbers[1], reason: 'T', source: 'reply', actor: { userId: null, apiKeyId: null } });
  const base = defaultSettings({ timeZone: 'Asia/Shanghai' });
  const settings = { ...base, sendRules: { ...base.sendRules, quietHours: { ...base.sendRules.quietHours, enabled: false } } };
  const stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };
  const d = new Dispatcher(t.db, new StubCarrier(t.db, async () => stub), async () => settings, createLogger('silent'), { leaseMs: 30_000 });
  await d.tick();
  await d.stop();
});
afterAll(() => t.close());

test('the details page counts it, and its status filter lists it', async () => {
  const page = await admin.get(`/tasks/${taskId}`);
  expect(page.text).toMatch(/data-count="suppressed">1</);
  expect(page.text).toContain('Suppressed (opted out)');
  const filtered = await admin.get(`/tasks/${taskId}?status=suppressed`);
  expect([...filtered.text.matchAll(/data-status="(\w+)"/g)].map((m) => m[1])).toEqual(['suppressed']);
  expect(filtered.text).toContain(numbers[1]);
});

test('the export shows its status', async () => {
  const res = await admin.get(`/tasks/${taskId}/messages.csv?status=suppressed`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
  });
  const lines = (res.body as string).trim().split('\r\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(numbers[1]);
  expect(lines[1]).toContain('Suppressed (opted out)');
});

test('the task list and its progress poll count it as final, not as unsent', async () => {
  const poll = await admin.get(`/tasks/progress?ids=${taskId}`);
  expect(poll.body.tasks[0].counts).toMatchObject({ suppressed: 1, pending: 0 });
  // The other 3 await their receipts: without an outcome yet, so pending there.
  expect(poll.body.tasks[0].outcomes).toMatchObject({ pending: 3, suppressed: 1 });
});

test('the API counts it', async () => {
  const { key } = await createApiKey(t.db, { name: 'k', createdBy: 1 });
  const res = await request(t.app).get(`/api/v1/tasks/${taskId}`).set('Authorization', `Bearer ${key}`);
  expect(res.body.task.counts).toMatchObject({ suppressed: 1, capped: 0, pending: 0 });
  expect(res.body.task.status).toBe('completed');
});

test('a marketing task paused by quiet hours says so on its page and in the list, and offers Stop', async () => {
  const paused = (await seedTask(t.db, phones(2, '1370'))).taskId;
  await t.db('tasks').where({ id: paused }).update({ sms_type: 'marketing', status: 'sending', quiet_paused_until: '2026-12-06T00:00:00.000Z', lease_until: '2026-12-06T00:00:00.000Z' });
  const page = await admin.get(`/tasks/${paused}`);
  expect(page.text).toContain('paused — quiet hours (resumes 2026-12-06 08:00)');
  expect(page.text).toContain(`/tasks/${paused}/stop`);
  expect((await admin.get('/tasks')).text).toContain('paused — quiet hours');
});
