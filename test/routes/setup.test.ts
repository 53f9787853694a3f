import request from 'supertest';
import { createLogger } from '../../src/log';
import { ensureAdminFromEnv } from '../../src/services/auth.service';
import { addUser, cookieFrom, fieldError, flashText, inputValue, makeTestApp, tokenFor, type TestApp } from '../helpers/app';

describe('first run: /setup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t.close());

  test('every page leads to /setup while no user exists; /healthz still answers', async () => {
    for (const url of ['/', '/login', '/signatures', '/users', '/nowhere']) {
      const res = await request(t.app).get(url);
      expect([url, res.status, res.headers.location]).toEqual([url, 303, '/setup']);
    }
    const health = await request(t.app).get('/healthz');
    expect(health.status).toBe(200);
  });

  test('the setup page asks for a username and the password twice', async () => {
    const res = await request(t.app).get('/setup');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Set up Qunfa');
    for (const name of ['username', 'password', 'passwordConfirm', '_csrf']) expect(res.text).toContain(`name="${name}"`);
  });

  test.each([
    ['a bad username', { username: 'no spaces!', password: 'long enough pw', passwordConfirm: 'long enough pw' }, 'username', /3–32 characters/],
    ['an empty username', { username: '', password: 'long enough pw', passwordConfirm: 'long enough pw' }, 'username', /required/],
    ['a short password', { username: 'boss', password: 'short', passwordConfirm: 'short' }, 'password', /at least 8/],
    ['passwords that differ', { username: 'boss', password: 'long enough pw', passwordConfirm: 'long enough pX' }, 'passwordConfirm', /do not match/],
  ])('%s: 422 with the message beside the field and the username kept', async (_name, body, fieldName, message) => {
    const agent = request.agent(t.app);
    const _csrf = await tokenFor(agent, '/setup');
    const res = await agent.post('/setup').type('form').send({ ...body, _csrf });
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toMatch(message);
    expect(inputValue(res.text, 'username')).toBe(body.username);
    expect(inputValue(res.text, 'password')).toBe(''); // passwords are never echoed back
    expect(await t.db('users').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  test('success creates the admin with an argon2id hash, logs in, and /setup is gone for good', async () => {
    const agent = request.agent(t.app);
    const setupPage = await agent.get('/setup');
    const before = cookieFrom(setupPage);
    const _csrf = await tokenFor(agent, '/setup');
    const res = await agent.post('/setup').type('form').send({ username: 'Boss', password: 'long enough pw', passwordConfirm: 'long enough pw', _csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signatures');
    expect(cookieFrom(res)).toBeDefined();
    expect(cookieFrom(res)).not.toBe(before);

    const users = await t.db('users').select('username', 'role', 'password_hash', 'disabled_at');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: 'boss', role: 'admin', disabled_at: null });
    expect(users[0].password_hash).toMatch(/^\$argon2id\$/);

    const landing = await agent.get('/signatures');
    expect(landing.status).toBe(200);
    expect(flashText(landing.text)).toMatch(/administrator account is ready/);
    expect(landing.text).toContain('boss · Admin');

    // gone for the admin, for anyone else, for GET and POST (with a valid token, so the 404 is not the CSRF check)
    expect((await agent.get('/setup')).status).toBe(404);
    const anon = request.agent(t.app);
    expect((await anon.get('/setup')).status).toBe(404);
    const anonToken = await tokenFor(anon, '/login');
    const again = await anon.post('/setup').type('form').send({ username: 'intruder', password: 'long enough pw', passwordConfirm: 'long enough pw', _csrf: anonToken });
    expect(again.status).toBe(404);
    expect(await t.db('users').pluck('username')).toEqual(['boss']);

    // and the rest of the app no longer redirects to /setup
    const login = await request(t.app).get('/login');
    expect(login.status).toBe(200);
  });
});

describe('ensureAdminFromEnv (unattended install)', () => {
  const logger = createLogger('silent');

  test('creates the admin when no user exists, and only then', async () => {
    const t = await makeTestApp();
    try {
      const config = { ...t.config, adminUsername: 'Root', adminPassword: 'from the env 1' };
      await ensureAdminFromEnv(t.db, config, logger);
      const rows = await t.db('users').select('username', 'role', 'password_hash');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ username: 'root', role: 'admin' });
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);

      // a second start with other values changes nothing
      await ensureAdminFromEnv(t.db, { ...t.config, adminUsername: 'other', adminPassword: 'another pw 22' }, logger);
      expect(await t.db('users').pluck('username')).toEqual(['root']);
      const after = await t.db('users').first('password_hash');
      expect(after.password_hash).toBe(rows[0].password_hash);

      // the admin can log in with the env password, and /setup is gone
      const agent = request.agent(t.app);
      const _csrf = await tokenFor(agent);
      const res = await agent.post('/login').type('form').send({ username: 'root', password: 'from the env 1', _csrf });
      expect(res.status).toBe(303);
      expect((await request(t.app).get('/setup')).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  test('is ignored once any user exists, even a member', async () => {
    const t = await makeTestApp();
    try {
      await addUser(t.db, 'ann', 'member');
      await ensureAdminFromEnv(t.db, { ...t.config, adminUsername: 'root', adminPassword: 'from the env 1' }, logger);
      expect(await t.db('users').pluck('username')).toEqual(['ann']);
    } finally {
      await t.close();
    }
  });

  test('does nothing without the variables', async () => {
    const t = await makeTestApp();
    try {
      await ensureAdminFromEnv(t.db, t.config, logger);
      expect((await request(t.app).get('/')).headers.location).toBe('/setup');
    } finally {
      await t.close();
    }
  });
});
