import crypto from 'node:crypto';
import request from 'supertest';
import { addUser, fieldError, flashText, inputValue, loginAs, makeTestApp, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';

const KEY = /qf_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
});
afterAll(() => t.close());

/** Creates a key as `agent` and follows the redirect to the page that shows it once. */
async function createKey(name: string, agent: Agent = admin): Promise<{ key: string; id: number; res: request.Response }> {
  const posted = await postForm(agent, '/api-keys', { name });
  if (posted.status !== 303 || posted.headers.location !== '/api-keys/created') throw new Error(`key not created: ${posted.status}`);
  expect(posted.text).not.toMatch(KEY);
  const res = await agent.get('/api-keys/created');
  const key = KEY.exec(res.text)?.[0];
  if (res.status !== 200 || !key) throw new Error(`key not shown: ${res.status}`);
  const row = await t.db('api_keys').where({ key_hash: sha256(key) }).first();
  return { key, id: row.id, res };
}

const receipts = (key: string) => request(t.app).get('/api/v1/receipts').set('Authorization', `Bearer ${key}`);

test('the page lists no keys at first and offers the create form, in the layout with its nav link current', async () => {
  const res = await admin.get('/api-keys');
  expect(res.status).toBe(200);
  expect(res.text).toContain('<h1>API keys</h1>');
  expect(res.text).toContain('No API keys yet — <a href="#name" data-empty-action>name one above and create it</a>');
  expect(res.text).toContain('<form method="post" action="/api-keys"');
  expect(res.text).toContain('<a href="/api-keys" class="active" aria-current="page">API keys</a>');
  expect((await admin.get('/api-keys').set('Accept-Language', 'zh-CN')).text).toContain('新建 API 密钥');
});

test('a new key is shown once, in full, on the page the create redirects to; only its SHA-256 and prefix are stored', async () => {
  const { key, id, res } = await createKey('  CRM receipts ');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toContain(`value="${key}" readonly`);
  expect(res.text).toContain('it is shown only this once');
  expect(res.text).toMatch(/<button type="button" class="button" data-copy-from="api-key" data-label-copied="Copied" hidden>Copy<\/button>/);

  const row = await t.db('api_keys').where({ id }).first();
  const [, prefix, secret] = /^qf_([0-9a-f]{8})_(.+)$/.exec(key)!;
  expect(row).toMatchObject({ name: 'CRM receipts', prefix, key_hash: sha256(key), created_by: 1, last_used_at: null, revoked_at: null });
  // The secret is nowhere in the database: not in the key row, not in a session.
  expect(JSON.stringify(row)).not.toContain(secret);
  const sessions = await t.db('sessions').select();
  expect(JSON.stringify(sessions)).not.toContain(secret);

  const list = await admin.get('/api-keys');
  expect(list.text).toContain('CRM receipts');
  expect(list.text).toContain(`qf_${prefix}_…`);
  expect(list.text).not.toContain(secret);
  expect(list.text).toContain('never');

  expect((await receipts(key)).status).toBe(200);
  const used = await t.db('api_keys').where({ id }).first();
  expect(Date.now() - Date.parse(used.last_used_at)).toBeLessThan(10_000);
  expect((await admin.get('/api-keys')).text).not.toMatch(/<td>never<\/td>/);
});

test('a refresh of the page that showed the key creates no second key and shows the key no more', async () => {
  const before = (await t.db('api_keys').count({ n: '*' }))[0].n as number;
  const { key } = await createKey('refreshed');
  expect((await t.db('api_keys').count({ n: '*' }))[0].n).toBe(before + 1);
  const again = await admin.get('/api-keys/created');
  expect(again.status).toBe(303);
  expect(again.headers.location).toBe('/api-keys');
  expect(again.text).not.toContain(key);
  expect((await admin.get('/api-keys')).text).not.toContain(key);
  expect((await t.db('api_keys').count({ n: '*' }))[0].n).toBe(before + 1);
  const sessions = await t.db('sessions').select();
  expect(JSON.stringify(sessions)).not.toContain(key.slice(12));
});

test("the key shown is the one its creator just made, never another session's", async () => {
  await addUser(t.db, 'second-admin', 'admin');
  const second = await loginAs(t.app, 'second-admin');
  const posted = await postForm(admin, '/api-keys', { name: 'not for the second admin' });
  expect(posted.status).toBe(303);
  expect((await second.get('/api-keys/created')).headers.location).toBe('/api-keys');
  expect((await admin.get('/api-keys/created')).text).toMatch(KEY);
});

test('last_used_at is written at most once a minute per key', async () => {
  const { key, id } = await createKey('poller');
  await receipts(key);
  const first = (await t.db('api_keys').where({ id }).first()).last_used_at;
  await receipts(key);
  expect((await t.db('api_keys').where({ id }).first()).last_used_at).toBe(first);
  const longAgo = new Date(Date.now() - 61_000).toISOString();
  await t.db('api_keys').where({ id }).update({ last_used_at: longAgo });
  await receipts(key);
  expect((await t.db('api_keys').where({ id }).first()).last_used_at > longAgo).toBe(true);
});

test.each([
  ['', 'This field is required.'],
  ['   ', 'This field is required.'],
  ['x'.repeat(65), 'Use at most 64 characters.'],
])('a name %p is refused with 422 on the same page, the value kept, nothing stored', async (name, message) => {
  const before = await t.db('api_keys').count({ n: '*' });
  const res = await postForm(admin, '/api-keys', { name });
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'name')).toBe(message);
  expect(inputValue(res.text, 'name')).toBe(name);
  expect(res.text).not.toMatch(KEY);
  expect(await t.db('api_keys').count({ n: '*' })).toEqual(before);
});

test('a name of exactly 64 characters is accepted', async () => {
  const { id } = await createKey('y'.repeat(64));
  expect((await t.db('api_keys').where({ id }).first()).name).toBe('y'.repeat(64));
});

test('members get 403 on every API-key page and action; visitors are sent to log in', async () => {
  const { id } = await createKey('for the member test');
  expect((await member.get('/api-keys')).status).toBe(403);
  expect((await member.get('/api-keys/created')).status).toBe(403);
  const _csrf = await tokenFor(member, '/signatures');
  expect((await member.post('/api-keys').type('form').send({ name: 'mine', _csrf })).status).toBe(403);
  expect((await member.post(`/api-keys/${id}/revoke`).type('form').send({ _csrf })).status).toBe(403);
  expect((await t.db('api_keys').where({ id }).first()).revoked_at).toBeNull();
  expect(await t.db('api_keys').where({ name: 'mine' }).first()).toBeUndefined();
  expect((await request(t.app).get('/api-keys')).headers.location).toBe('/login?next=%2Fapi-keys');
});

test('creating and revoking need the CSRF token', async () => {
  const { id } = await createKey('csrf');
  expect((await admin.post('/api-keys').type('form').send({ name: 'no token' })).status).toBe(403);
  expect((await admin.post(`/api-keys/${id}/revoke`).type('form').send({})).status).toBe(403);
  expect((await t.db('api_keys').where({ id }).first()).revoked_at).toBeNull();
});

test('revoking asks for confirmation, and the key gets 401 on its very next request', async () => {
  const { key, id } = await createKey('to revoke');
  expect((await receipts(key)).status).toBe(200);
  const list = await admin.get('/api-keys');
  const prefix = /^qf_([0-9a-f]{8})_/.exec(key)![1];
  expect(list.text).toContain(`action="/api-keys/${id}/revoke" class="inline-form" data-confirm="Revoke the key “to revoke” (qf_${prefix}_…)?`);

  const res = await postForm(admin, `/api-keys/${id}/revoke`, {}, '/api-keys');
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/api-keys');
  const after = await admin.get('/api-keys');
  expect(flashText(after.text)).toBe('The key “to revoke” is revoked.');
  expect(after.text).toMatch(/Revoked \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  expect(after.text).not.toContain(`action="/api-keys/${id}/revoke"`);

  const refused = await receipts(key);
  expect(refused.status).toBe(401);
  expect(refused.body).toEqual({ error: { code: 'invalid_api_key', message: expect.any(String) } });

  const revokedAt = (await t.db('api_keys').where({ id }).first()).revoked_at;
  expect((await postForm(admin, `/api-keys/${id}/revoke`, {}, '/api-keys')).status).toBe(303);
  expect((await t.db('api_keys').where({ id }).first()).revoked_at).toBe(revokedAt);
});

test('revoking a key that does not exist is a 404', async () => {
  expect((await postForm(admin, '/api-keys/99999/revoke', {}, '/api-keys')).status).toBe(404);
  expect((await postForm(admin, '/api-keys/abc/revoke', {}, '/api-keys')).status).toBe(404);
});

test('a key stops working when the admin who created it is disabled', async () => {
  await addUser(t.db, 'other-admin', 'admin');
  const other = await loginAs(t.app, 'other-admin');
  const { key } = await createKey('of other-admin', other);
  expect((await receipts(key)).status).toBe(200);
  await t.db('users').where({ username: 'other-admin' }).update({ disabled_at: new Date().toISOString() });
  expect((await receipts(key)).status).toBe(401);
});
