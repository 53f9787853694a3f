import request from 'supertest';
import { makeTestApp, addUser, loginAs, tokenFor, type TestApp, type Agent } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { createApiKey } from '../../src/services/api-keys.service';

/** Issue 9, "Smaller items": nothing the app answers itself may be kept by a browser or a proxy cache. */
let t: TestApp;
let admin: Agent;
let taskId: string;
let draftId: string;
let apiKey: string;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
  taskId = (await seedTask(t.db, ['13800138000', '13800138001'])).taskId;
  const { template_id: templateId, signature_id: signatureId } = await t.db('tasks').where({ id: taskId }).first();
  const _csrf = await tokenFor(admin, '/tasks/new');
  const res = await admin
    .post('/tasks')
    .type('form')
    .send({ _csrf, smsType: 'notification', signatureId: String(signatureId), templateId: String(templateId), recipientsMode: 'manual', sendMode: 'now', manualNumbers: '13800138002\n123\n' });
  expect(res.status).toBe(303);
  draftId = res.headers.location.split('/')[2];
  apiKey = (await createApiKey(t.db, { name: 'cache', createdBy: 1 })).key;
});
afterAll(() => t.close());

test.each([
  ['the task list', () => '/tasks'],
  ['the send form', () => '/tasks/new'],
  ['a task', () => `/tasks/${taskId}`],
  ['a check report', () => `/tasks/${draftId}/check`],
  ['settings', () => '/settings'],
  ['users', () => '/users'],
  ['API keys', () => '/api-keys'],
  ['the progress poll', () => `/tasks/progress?ids=${taskId}`],
  ['the invalid rows download', () => `/tasks/${draftId}/invalid-rows.csv`],
  ['the CSV export', () => `/tasks/${taskId}/messages.csv`],
  ['the xlsx export', () => `/tasks/${taskId}/messages.xlsx`],
  ['the xlsx import template', () => '/tasks/import-template.xlsx'],
  ['the CSV import template', () => '/tasks/import-template.csv'],
  ['a page that does not exist', () => '/nowhere'],
])('%s: Cache-Control no-store', async (_name, url) => {
  const res = await admin.get(url());
  expect([url(), res.status < 500]).toEqual([url(), true]);
  expect(res.headers['cache-control']).toBe('no-store');
});

test('the JSON API, its errors included, is no-store', async () => {
  const ok = await request(t.app).get(`/api/v1/tasks/${taskId}`).set('Authorization', `Bearer ${apiKey}`);
  expect(ok.status).toBe(200);
  expect(ok.headers['cache-control']).toBe('no-store');
  const refused = await request(t.app).get(`/api/v1/tasks/${taskId}`);
  expect(refused.status).toBe(401);
  expect(refused.headers['cache-control']).toBe('no-store');
});

test('the login page is no-store (it carries a CSRF token); public assets keep their caching', async () => {
  expect((await request(t.app).get('/login')).headers['cache-control']).toBe('no-store');
  const css = await request(t.app).get('/public/css/app.css');
  expect(css.status).toBe(200);
  expect(css.headers['cache-control']).toBe('public, max-age=3600');
});
