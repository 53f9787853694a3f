import request from 'supertest';
import { runCleanup } from '../../src/jobs/cleanup.job';
import { FAILURE_WINDOW_MS } from '../../src/services/auth.service';
import { addUser, fieldError, inputValue, makeTestApp, PASSWORD, tokenFor, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

/** One browser's login page, then `passwords` posted from it all at once. */
async function parallelLogins(username: string, passwords: string[]) {
  const agent = request.agent(t.app);
  const _csrf = await tokenFor(agent, '/login');
  return Promise.all(passwords.map((password) => agent.post('/login').type('form').send({ username, password, _csrf })));
}

const attempts = async (username: string) => Number((await t.db('login_attempts').where({ username }).count({ n: '*' }).first())?.n);

test('30 wrong passwords at once: 5 are verified (422), the other 25 refused unverified (429)', async () => {
  await addUser(t.db, 'olga');
  const answers = await parallelLogins('olga', Array.from({ length: 30 }, (_, i) => `wrong ${i}`));
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses.filter((s) => s === 422)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  expect(await attempts('olga')).toBe(5);
});

test('the right password sent while 15 wrong ones are in flight is refused', async () => {
  await addUser(t.db, 'petra');
  const agent = request.agent(t.app);
  const _csrf = await tokenFor(agent, '/login');
  const post = (password: string) => agent.post('/login').type('form').send({ username: 'petra', password, _csrf }).then((r) => r);
  const wrong = Array.from({ length: 15 }, (_, i) => post(`wrong ${i}`));
  // As soon as one guess has been verified, the others are still being verified (argon2 takes tens of ms each).
  await Promise.race(wrong);
  const right = await post(PASSWORD);
  const statuses = (await Promise.all(wrong)).map((r) => r.status);
  expect(right.status).toBe(429);
  expect(right.headers.location).toBeUndefined();
  expect(statuses.filter((s) => s === 422)).toHaveLength(5);
});

test('a username over 64 characters or a password over 1,024 is refused with 422 before anything is stored', async () => {
  const agent = request.agent(t.app);
  const _csrf = await tokenFor(agent, '/login');
  const before = await t.db('login_attempts').count({ n: '*' }).first();
  const long = 'u'.repeat(65);
  const res = await agent.post('/login').type('form').send({ username: long, password: 'whatever', _csrf });
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'username')).toBe('A username has at most 64 characters.');
  expect(inputValue(res.text, 'username')).toBe(long);
  const huge = await agent.post('/login').type('form').send({ username: 'x'.repeat(500_000), password: 'whatever', _csrf });
  expect(huge.status).toBe(422);
  const pw = await agent.post('/login').type('form').send({ username: 'admin', password: 'p'.repeat(1025), _csrf });
  expect(pw.status).toBe(422);
  expect(fieldError(pw.text, 'password')).toBe('A password has at most 1024 characters.');
  expect(await t.db('login_attempts').count({ n: '*' }).first()).toEqual(before);
  // At the limits a login is still tried (and recorded when it fails).
  const atLimit = await agent.post('/login').type('form').send({ username: 'u'.repeat(64), password: 'p'.repeat(1024), _csrf });
  expect(atLimit.status).toBe(422);
  expect(await attempts('u'.repeat(64))).toBe(1);
  const zh = await agent.post('/login').set('Accept-Language', 'zh-CN').type('form').send({ username: long, password: 'x', _csrf });
  expect(fieldError(zh.text, 'username')).toBe('用户名最多 64 个字符。');
});

test('attempts older than the window are pruned: on the next attempt of the pair, and by the cleanup job', async () => {
  const old = new Date(Date.now() - FAILURE_WINDOW_MS - 60_000).toISOString();
  await t.db('login_attempts').insert([
    { username: 'quinn', ip: '::ffff:127.0.0.1', created_at: old },
    { username: 'quinn', ip: '::ffff:127.0.0.1', created_at: old },
    { username: 'rolf', ip: '10.0.0.1', created_at: old },
  ]);
  const ip = (await t.db('login_attempts').where({ username: 'u'.repeat(64) }).first()).ip;
  await t.db('login_attempts').where({ username: 'quinn' }).update({ ip });
  await parallelLogins('quinn', ['wrong']);
  expect(await t.db('login_attempts').where({ username: 'quinn' }).pluck('created_at')).toEqual([expect.not.stringMatching(old)]);
  await runCleanup(t.db);
  expect(await attempts('rolf')).toBe(0);
});
