import request from 'supertest';
import { createApp } from '../../src/app';
import { runCleanup } from '../../src/jobs/cleanup.job';
import {
  addUser,
  cookieFrom,
  csrfFrom,
  inputValue,
  loginAs,
  makeTestApp,
  PASSWORD,
  postForm,
  setCookieLine,
  tokenFor,
  type Agent,
  type TestApp,
} from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

/** Posts the login form the way a browser does: GET the page first for the token and session cookie. */
async function submitLogin(agent: Agent, username: string, password: string, extra: Record<string, string> = {}) {
  const _csrf = await tokenFor(agent, '/login');
  return agent.post('/login').type('form').send({ username, password, _csrf, ...extra });
}

/** `sess` as the JSON text SQLite holds (PostgreSQL's json column comes back parsed). */
async function sessionRows(): Promise<{ sid: string; sess: string; expired: string }[]> {
  const rows: { sid: string; sess: unknown; expired: unknown }[] = await t.db('sessions').select('sid', 'sess', 'expired');
  return rows.map((r) => ({
    sid: r.sid,
    sess: typeof r.sess === 'string' ? r.sess : JSON.stringify(r.sess),
    expired: r.expired instanceof Date ? r.expired.toISOString() : String(r.expired),
  }));
}

describe('login', () => {
  test('success redirects to the start page and issues a NEW session id (regenerated at login)', async () => {
    await addUser(t.db, 'ann');
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const anonymousSid = cookieFrom(page);
    expect(anonymousSid).toBeDefined(); // the login form's CSRF token lives in that session
    const res = await agent.post('/login').type('form').send({ username: 'ann', password: PASSWORD, _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tasks');
    const loggedInSid = cookieFrom(res);
    expect(loggedInSid).toBeDefined();
    expect(loggedInSid).not.toBe(anonymousSid);

    // the old (pre-login) session id does not carry the login
    const withOldCookie = await request(t.app).get('/signatures').set('Cookie', `qunfa.sid=${anonymousSid}`);
    expect(withOldCookie.status).toBe(303);
    expect(withOldCookie.headers.location).toMatch(/^\/login/);
    const withNew = await agent.get('/signatures');
    expect(withNew.status).toBe(200);
    expect(withNew.text).toContain('ann · Member');
  });

  test('usernames are case-insensitive and trimmed', async () => {
    await addUser(t.db, 'carol');
    const res = await submitLogin(request.agent(t.app), '  Carol ', PASSWORD);
    expect(res.status).toBe(303);
  });

  test('a login from a protected page returns there; an outside address is never followed', async () => {
    await addUser(t.db, 'dave');
    const anon = await request(t.app).get('/templates?status=pending');
    expect(anon.headers.location).toBe('/login?next=' + encodeURIComponent('/templates?status=pending'));
    const form = await request.agent(t.app).get(anon.headers.location);
    expect(form.text).toContain('name="next" value="/templates?status=pending"');

    expect((await submitLogin(request.agent(t.app), 'dave', PASSWORD, { next: '/templates?status=pending' })).headers.location).toBe(
      '/templates?status=pending',
    );
    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      expect((await submitLogin(request.agent(t.app), 'dave', PASSWORD, { next: evil })).headers.location).toBe('/tasks');
    }
  });

  test('wrong password and unknown user give the same generic message with 422, and no login', async () => {
    await addUser(t.db, 'erin');
    const wrong = await submitLogin(request.agent(t.app), 'erin', 'not the password');
    const unknown = await submitLogin(request.agent(t.app), 'nobody-here', 'not the password');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(422);
      expect(res.text).toContain('Wrong username or password.');
      expect(res.text).not.toMatch(/no such user|unknown user|not found/i);
    }
    expect(inputValue(wrong.text, 'username')).toBe('erin');
    expect(inputValue(wrong.text, 'password')).toBe('');
    // same page apart from the token and the typed username
    const normalise = (html: string) => html.replace(/value="[^"]*"/g, 'value=""');
    expect(normalise(wrong.text)).toBe(normalise(unknown.text));
  });

  test('empty fields: 422 with a message beside each', async () => {
    const res = await submitLogin(request.agent(t.app), '', '');
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="username-error"');
    expect(res.text).toContain('id="password-error"');
  });

  test('after 5 failures for a user from one address, the 6th attempt is refused even with the right password', async () => {
    await addUser(t.db, 'frank');
    await addUser(t.db, 'grace');
    for (let i = 0; i < 5; i += 1) {
      expect((await submitLogin(request.agent(t.app), 'frank', `wrong ${i}`)).status).toBe(422);
    }
    const sixth = await submitLogin(request.agent(t.app), 'frank', PASSWORD);
    expect(sixth.status).toBe(429);
    expect(sixth.text).toMatch(/Too many failed attempts\. Wait 15 minutes and try again\./);
    expect(cookieFrom(sixth) === undefined || !(await sessionRows()).some((r) => r.sid === cookieFrom(sixth) && r.sess.includes('userId'))).toBe(true);

    // the same in Chinese
    const agent = request.agent(t.app);
    const _csrf = await tokenFor(agent, '/login');
    const zh = await agent.post('/login').set('Accept-Language', 'zh-CN').type('form').send({ username: 'FRANK', password: PASSWORD, _csrf });
    expect(zh.status).toBe(429);
    expect(zh.text).toContain('失败次数过多，请等待 15 分钟后重试。');

    // another user from the same address is not affected
    expect((await submitLogin(request.agent(t.app), 'grace', PASSWORD)).status).toBe(303);

    // once the window has passed, frank can log in again
    await t.db('login_attempts').where({ username: 'frank' }).update({ created_at: new Date(Date.now() - 16 * 60 * 1000).toISOString() });
    expect((await submitLogin(request.agent(t.app), 'frank', PASSWORD)).status).toBe(303);
  });

  test('a forged X-Forwarded-For does not escape the throttle when no proxy is trusted', async () => {
    await addUser(t.db, 'xavier');
    for (let i = 0; i < 5; i += 1) await submitLogin(request.agent(t.app), 'xavier', 'wrong');
    const agent = request.agent(t.app);
    const _csrf = await tokenFor(agent, '/login');
    const res = await agent.post('/login').set('X-Forwarded-For', '203.0.113.9').type('form').send({ username: 'xavier', password: PASSWORD, _csrf });
    expect(res.status).toBe(429);
  });

  test('the wait shown counts down from the oldest failure in the window', async () => {
    await addUser(t.db, 'heidi');
    for (let i = 0; i < 5; i += 1) await submitLogin(request.agent(t.app), 'heidi', 'wrong');
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000 - 5000).toISOString();
    await t.db('login_attempts').where({ username: 'heidi' }).update({ created_at: tenMinutesAgo });
    const res = await submitLogin(request.agent(t.app), 'heidi', PASSWORD);
    expect(res.status).toBe(429);
    expect(res.text).toContain('Wait 5 minutes');
  });

  test('a successful login clears the failures counted so far', async () => {
    await addUser(t.db, 'ivan');
    for (let i = 0; i < 4; i += 1) await submitLogin(request.agent(t.app), 'ivan', 'wrong');
    expect((await submitLogin(request.agent(t.app), 'ivan', PASSWORD)).status).toBe(303);
    expect(await t.db('login_attempts').where({ username: 'ivan' }).count({ n: '*' }).first()).toEqual({ n: 0 });
    for (let i = 0; i < 4; i += 1) await submitLogin(request.agent(t.app), 'ivan', 'wrong');
    expect((await submitLogin(request.agent(t.app), 'ivan', PASSWORD)).status).toBe(303);
  });

  test('a logged-in user visiting /login goes on to the start page', async () => {
    const agent = await loginAs(t.app, 'admin');
    const res = await agent.get('/login');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tasks');
  });
});

describe('sessions', () => {
  test('are stored in the sessions table (not in memory), with the user id and an expiry', async () => {
    await addUser(t.db, 'judy');
    const agent = request.agent(t.app);
    const res = await submitLogin(agent, 'judy', PASSWORD);
    const signedSid = decodeURIComponent(cookieFrom(res)!);
    const sid = /^s:([^.]+)\./.exec(signedSid)![1];
    const row = (await sessionRows()).find((r) => r.sid === sid);
    expect(row).toBeDefined();
    const sess = JSON.parse(row!.sess);
    const judy = await t.db('users').where({ username: 'judy' }).first('id');
    expect(sess.userId).toBe(judy.id);
    expect(Date.parse(row!.expired)).toBeGreaterThan(Date.now());

    // a second app on the same database (a restart) still knows the session: nothing lived in process memory
    const restarted = createApp({ db: t.db, config: t.config, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const res2 = await request(restarted).get('/signatures').set('Cookie', `qunfa.sid=${cookieFrom(res)}`);
    expect(res2.status).toBe(200);
    expect(res2.text).toContain('judy · Member');
  });

  test('expired sessions stop working and the cleanup job removes them; live ones stay', async () => {
    await addUser(t.db, 'yuri');
    const agent = request.agent(t.app);
    const res = await submitLogin(agent, 'yuri', PASSWORD);
    const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookieFrom(res)!))![1];
    await t.db('sessions').insert({ sid: 'stale-session', sess: JSON.stringify({ cookie: {}, userId: 1 }), expired: new Date(Date.now() - 1000).toISOString() });
    const removed = await runCleanup(t.db);
    expect(removed.sessions).toBeGreaterThanOrEqual(1);
    const sids = (await sessionRows()).map((r) => r.sid);
    expect(sids).not.toContain('stale-session');
    expect(sids).toContain(sid);
    expect((await agent.get('/signatures')).status).toBe(200);

    // a session past its expiry is refused even before the cleanup runs
    await t.db('sessions').where({ sid }).update({ expired: new Date(Date.now() - 1000).toISOString() });
    expect((await agent.get('/signatures')).status).toBe(303);
  });

  test('the cookie is HttpOnly and SameSite=Lax, and not Secure over plain HTTP', async () => {
    await addUser(t.db, 'kim');
    const res = await submitLogin(request.agent(t.app), 'kim', PASSWORD);
    const line = setCookieLine(res)!;
    expect(line).toMatch(/;\s*HttpOnly/i);
    expect(line).toMatch(/;\s*SameSite=Lax/i);
    expect(line).not.toMatch(/;\s*Secure/i);
    expect(line).toMatch(/;\s*Path=\//);
  });

  test('behind a TLS-terminating proxy (TRUST_PROXY) the cookie is also Secure', async () => {
    const proxied = await makeTestApp({ env: { trustProxy: 1 } });
    try {
      await addUser(proxied.db, 'admin', 'admin');
      // plain supertest (not an agent): its cookie jar would withhold a Secure cookie over the test's plain HTTP
      const page = await request(proxied.app).get('/login').set('X-Forwarded-Proto', 'https');
      expect(setCookieLine(page)).toMatch(/;\s*Secure/i);
      const res = await request(proxied.app)
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', `qunfa.sid=${cookieFrom(page)}`)
        .type('form')
        .send({ username: 'admin', password: PASSWORD, _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(303);
      expect(setCookieLine(res)).toMatch(/;\s*Secure/i);
      expect(setCookieLine(res)).toMatch(/;\s*HttpOnly/i);
    } finally {
      await proxied.close();
    }
  });

  test('logout destroys the session: the row goes, the cookie is cleared, the old cookie no longer works', async () => {
    await addUser(t.db, 'leo');
    const agent = request.agent(t.app);
    const login = await submitLogin(agent, 'leo', PASSWORD);
    const cookie = cookieFrom(login)!;
    const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookie))![1];
    expect((await sessionRows()).some((r) => r.sid === sid)).toBe(true);

    const out = await postForm(agent, '/logout', {}, '/signatures');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(setCookieLine(out)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await sessionRows()).some((r) => r.sid === sid)).toBe(false);

    const after = await agent.get('/signatures');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
    const replay = await request(t.app).get('/signatures').set('Cookie', `qunfa.sid=${cookie}`);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
  });

  test("a disabled user's existing session stops working at once, for pages and for forms", async () => {
    const memberId = await addUser(t.db, 'mallory');
    const member = await loginAs(t.app, 'mallory');
    const token = await tokenFor(member, '/signatures/new');
    expect((await member.get('/signatures')).status).toBe(200);

    const admin = await loginAs(t.app, 'admin');
    const disabled = await postForm(admin, `/users/${memberId}/disable`, {}, `/users/${memberId}`);
    expect(disabled.status).toBe(303);

    const page = await member.get('/signatures');
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/login/);

    const post = await member.post('/signatures').type('form').send({ name: 'Mallory', _csrf: token });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
    expect(await t.db('signatures').where({ name: 'Mallory' }).first()).toBeUndefined();

    // the login page still works for that browser, and the disabled user cannot log in again
    const loginPage = await member.get('/login');
    expect(loginPage.status).toBe(200);
    const again = await submitLogin(member, 'mallory', PASSWORD);
    expect(again.status).toBe(422);
    expect(again.text).toContain('Wrong username or password.');
  });

  test("a disabled user's next request, whatever it is, is answered as anonymous (no 500)", async () => {
    const id = await addUser(t.db, 'nina');
    const member = await loginAs(t.app, 'nina');
    const token = await tokenFor(member, '/signatures');
    await t.db('users').where({ id }).update({ disabled_at: new Date().toISOString() });
    // first request after disabling is a form post: refused by the CSRF check, as the session is gone
    const res = await member.post('/locale').type('form').send({ locale: 'zh-CN', back: '/signatures', _csrf: token });
    expect(res.status).toBe(403);
    expect((await t.db('users').where({ id }).first('locale')).locale).toBeNull();

    const other = await loginAs(t.app, 'admin');
    const id2 = await addUser(t.db, 'olga');
    const member2 = await loginAs(t.app, 'olga');
    await postForm(other, `/users/${id2}/disable`, {}, `/users/${id2}`);
    // first request after disabling is a page that renders a form
    const page = await member2.get('/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="_csrf"');
    expect(t.logLines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('CSRF', () => {
  let member: Agent;
  beforeAll(async () => {
    await addUser(t.db, 'oscar');
    member = await loginAs(t.app, 'oscar');
  });

  test.each([
    ['no token', {}],
    ['a wrong token', { _csrf: 'not-the-token' }],
    ['an empty token', { _csrf: '' }],
  ])('a form POST with %s gets the 403 page and changes nothing', async (_name, extra) => {
    const res = await member.post('/signatures').type('form').send({ name: 'NoToken', ...extra });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired or did not come from this site.');
    expect(await t.db('signatures').where({ name: 'NoToken' }).first()).toBeUndefined();
  });

  test("another session's token is refused", async () => {
    const other = request.agent(t.app);
    const foreignToken = await tokenFor(other, '/login');
    const res = await member.post('/signatures').type('form').send({ name: 'Foreign', _csrf: foreignToken });
    expect(res.status).toBe(403);
    expect(await t.db('signatures').where({ name: 'Foreign' }).first()).toBeUndefined();
  });

  test('login, logout and the language switch need the token too', async () => {
    const anon = request.agent(t.app);
    await anon.get('/login');
    expect((await anon.post('/login').type('form').send({ username: 'oscar', password: PASSWORD })).status).toBe(403);
    expect((await member.post('/logout').type('form').send({})).status).toBe(403);
    expect((await member.get('/signatures')).status).toBe(200); // still logged in
    expect((await member.post('/locale').type('form').send({ locale: 'zh-CN' })).status).toBe(403);
    expect((await t.db('users').where({ username: 'oscar' }).first('locale')).locale).toBeNull();
  });

  test('with the token the same POST works', async () => {
    const res = await postForm(member, '/signatures', { name: 'WithToken' }, '/signatures/new');
    expect(res.status).toBe(303);
    expect(await t.db('signatures').where({ name: 'WithToken' }).first()).toBeDefined();
  });
});

describe('language', () => {
  test('Accept-Language zh-CN gives Chinese on /login; English otherwise', async () => {
    const zh = await request(t.app).get('/login').set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.5');
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('登录');
    const en = await request(t.app).get('/login').set('Accept-Language', 'en-US');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).not.toContain('登录');
  });

  test('the switch changes the UI to Chinese and is remembered in users.locale across logins', async () => {
    await addUser(t.db, 'peggy');
    const agent = await loginAs(t.app, 'peggy');
    expect((await agent.get('/signatures')).text).not.toContain('签名管理');

    const res = await postForm(agent, '/locale', { locale: 'zh-CN', back: '/signatures' }, '/signatures');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signatures');
    const page = await agent.get('/signatures').set('Accept-Language', 'en');
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(page.text).toContain('签名管理');
    expect((await t.db('users').where({ username: 'peggy' }).first('locale')).locale).toBe('zh-CN');

    // a new session (another browser, English) shows Chinese once logged in
    const elsewhere = await loginAs(t.app, 'peggy');
    expect((await elsewhere.get('/templates').set('Accept-Language', 'en')).text).toContain('签名管理');

    // and back to English
    await postForm(agent, '/locale', { locale: 'en', back: '/templates' }, '/signatures');
    expect((await agent.get('/signatures').set('Accept-Language', 'zh-CN')).text).toContain('>Signatures<');
    expect((await t.db('users').where({ username: 'peggy' }).first('locale')).locale).toBe('en');
  });

  test('before login the choice is kept in the session and survives the login', async () => {
    await addUser(t.db, 'quinn');
    const agent = request.agent(t.app);
    const switched = await postForm(agent, '/locale', { locale: 'zh-CN', back: '/login' }, '/login');
    expect(switched.headers.location).toBe('/login');
    expect((await agent.get('/login')).text).toContain('登录');
    const login = await submitLogin(agent, 'quinn', PASSWORD);
    expect(login.status).toBe(303);
    expect((await agent.get('/signatures')).text).toContain('签名管理');
  });

  test('an unknown locale or an outside "back" address is refused', async () => {
    const agent = await loginAs(t.app, 'admin');
    const bad = await postForm(agent, '/locale', { locale: 'fr', back: '/signatures' }, '/signatures');
    expect(bad.status).toBe(400);
    const evil = await postForm(agent, '/locale', { locale: 'en', back: '//evil.example' }, '/signatures');
    expect(evil.status).toBe(303);
    expect(evil.headers.location).toBe('/tasks');
  });
});
