import Database from 'better-sqlite3';
import request from 'supertest';
import { addUser, csrfFrom, formFields, loginAs, makeTestApp, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { createApiKey } from '../../src/services/api-keys.service';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';

/** How long a write waits for the lock here (5 s in the app): short, so the test stays short. */
const BUSY_WAIT_MS = 3000;

let t: TestApp;
let admin: Agent;
let locker: Database.Database | undefined;
let apiKey: string;
let sigId: number;
let tplId: number;

beforeAll(async () => {
  t = await makeTestApp({ file: true, db: { busyWaitMs: BUSY_WAIT_MS } });
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
  apiKey = (await createApiKey(t.db, { name: 'test', createdBy: 1 })).key;
  sigId = await approvedSignature(t.db, 'Cloud');
  tplId = await approvedTemplate(t.db, 'Hello');
});
afterEach(() => release());
afterAll(() => t.close());

/** Another process's write transaction, as a second app instance or a sqlite3 shell would hold it. */
function holdWriteLock(): void {
  locker = new Database(t.config.databaseFile);
  locker.exec('BEGIN IMMEDIATE');
}
function release(): void {
  if (locker?.inTransaction) locker.exec('ROLLBACK');
  locker?.close();
  locker = undefined;
}

const signatureCount = async () => Number((await t.db('signatures').count({ n: '*' }))[0].n);

test('while another process holds the write lock, reads answer at once and a form POST answers 503, keeping its input', async () => {
  const csrf = await tokenFor(admin, '/signatures/new');
  const before = await signatureCount();
  holdWriteLock();
  const events: string[] = [];
  const started = Date.now();
  const post = admin
    .post('/signatures')
    .type('form')
    .send({ name: 'BusyCloud云', _csrf: csrf })
    .then((res) => {
      events.push('post');
      return res;
    });
  // The POST is waiting for the lock meanwhile: on one connection the pages would wait behind it.
  await new Promise((r) => setTimeout(r, 200));
  const list = await admin.get('/tasks');
  events.push('list');
  const healthStart = Date.now();
  const health = await request(t.app).get('/healthz');
  const healthMs = Date.now() - healthStart;
  events.push('health');
  // The API's reads too, though the key's first use would write its "last used" time.
  const receipts = await request(t.app).get('/api/v1/receipts').set('Authorization', `Bearer ${apiKey}`);
  events.push('receipts');
  const res = await post;

  expect(list.status).toBe(200);
  expect(health.status).toBe(503);
  expect(health.body).toEqual({ status: 'error', db: 'busy' });
  expect(healthMs).toBeLessThan(1000);
  expect(receipts.status).toBe(200);
  expect(events).toEqual(['list', 'health', 'receipts', 'post']);
  expect(res.status).toBe(503);
  expect(Date.now() - started).toBeGreaterThanOrEqual(BUSY_WAIT_MS);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.text).toContain('The database is busy');
  expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  expect(await signatureCount()).toBe(before);

  // The page offers the same form again: the typed name and a fresh CSRF token, posting to the same URL.
  const again = formFields(res.text, '/signatures');
  expect(again).toEqual({ name: 'BusyCloud云' });
  release();
  const retried = await admin.post('/signatures').type('form').send({ ...again, _csrf: csrfFrom(res.text) });
  expect(retried.status).toBe(303);
  expect(await signatureCount()).toBe(before + 1);
});

test('a transaction that cannot get the lock stores nothing, and the API answers 503 db_busy in JSON', async () => {
  const tasks = Number((await t.db('tasks').count({ n: '*' }))[0].n);
  holdWriteLock();
  const res = await request(t.app)
    .post('/api/v1/tasks')
    .set('Authorization', `Bearer ${apiKey}`)
    .send({ signature: 'Cloud', template: 'tpl', sms_type: 'notification', recipients: [{ phone: '13800138000' }] });
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body.error.code).toBe('db_busy');
  release();
  expect(Number((await t.db('tasks').count({ n: '*' }))[0].n)).toBe(tasks);
});

test('an upload that met the lock: 503, the other fields kept and the file asked for again, no draft stored', async () => {
  const csrf = await tokenFor(admin, '/tasks/new');
  const tasks = Number((await t.db('tasks').count({ n: '*' }))[0].n);
  const fields = { smsType: 'notification', signatureId: String(sigId), templateId: String(tplId), recipientsMode: 'import', sendMode: 'now' };
  holdWriteLock();
  let req = admin.post('/tasks').field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  const res = await req.attach('file', Buffer.from('phone\r\n13800138000\r\n'), 'numbers.csv');
  release();
  expect(res.status).toBe(503);
  expect(res.text).toContain('enctype="multipart/form-data"');
  expect(res.text).toMatch(/<input type="file" name="file" required>/);
  expect(formFields(res.text, '/tasks')).toEqual({ ...fields, file: '' });
  expect(Number((await t.db('tasks').count({ n: '*' }))[0].n)).toBe(tasks);
});

test('/healthz says ok once the lock is gone, and the probe leaves nothing behind', async () => {
  const res = await request(t.app).get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok', db: 'ok' });
  expect(await t.db('health_probes').count({ n: '*' })).toEqual([{ n: 0 }]);
});
