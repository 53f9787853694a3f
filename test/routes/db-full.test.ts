import request from 'supertest';
import { addUser, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { createApiKey } from '../../src/services/api-keys.service';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';

let t: TestApp;
let admin: Agent;
let apiKey: string;

beforeAll(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
  apiKey = (await createApiKey(t.db, { name: 'test', createdBy: 1 })).key;
  await approvedSignature(t.db, 'Cloud');
  await approvedTemplate(t.db, 'Hello');
});
afterAll(() => t.close());

const pragma = async (sql: string) => Object.values((await t.db.raw(`pragma ${sql}`))[0] ?? {})[0];

/**
 * A full disk without a small disk: the write connection may not grow the file past the pages it has now
 * (`max_page_count` is per connection), and the room left in the signatures table's pages is used up.
 */
async function fillTheDisk(): Promise<void> {
  await pragma(`max_page_count = ${await pragma('page_count')}`);
  let i = 0;
  for (const size of [400, 40, 1]) {
    for (;;) {
      try {
        i += 1;
        const name = `f${i}`.padEnd(Math.min(size, 32), 'x');
        await t.db('signatures').insert({ name, status: 'pending', review_reason: 'x'.repeat(size), created_by: 1, created_at: 'x', updated_at: 'x' });
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_FULL') break;
        throw err;
      }
    }
  }
}

test('a full disk answers 507 (page and JSON), stores nothing half-done, shows in /healthz, and corrupts nothing', async () => {
  const tasksBefore = await t.db('tasks').count({ n: '*' });
  await fillTheDisk();

  const page = await postForm(admin, '/signatures', { name: 'FullDisk' }, '/signatures/new');
  expect(page.status).toBe(507);
  expect(page.text).toContain('disk is full');
  expect(await t.db('signatures').where({ name: 'FullDisk' }).first()).toBeUndefined();

  const phones = Array.from({ length: 2000 }, (_, i) => ({ phone: `138${String(i).padStart(8, '0')}` }));
  const api = await request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${apiKey}`).send({ signature: 'Cloud', template: 'tpl', sms_type: 'notification', recipients: phones });
  expect(api.status).toBe(507);
  expect(api.body.error.code).toBe('disk_full');
  expect(await t.db('tasks').count({ n: '*' })).toEqual(tasksBefore);

  const health = await request(t.app).get('/healthz');
  expect(health.status).toBe(503);
  expect(health.body).toEqual({ status: 'error', db: 'full' });

  await pragma('max_page_count = 1073741823');
  expect(await pragma('integrity_check')).toBe('ok');
  expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok', db: 'ok' });
  expect((await postForm(admin, '/signatures', { name: 'FullDisk' }, '/signatures/new')).status).toBe(303);
});
