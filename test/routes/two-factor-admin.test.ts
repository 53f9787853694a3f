import request from 'supertest';
import { createApiKey } from '../../src/services/api-keys.service';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { addUser, csrfFrom, flashText, formFields, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { codeFor, enrol, passwordStep, submitCode } from '../helpers/two-factor';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

/** A POST with a valid CSRF token taken from the enrolment page (the one page a gated admin can load). */
async function postFromEnrolment(agent: Agent, url: string, body: Record<string, string> = {}) {
  const _csrf = csrfFrom((await agent.get('/account/two-factor')).text);
  return agent.post(url).type('form').send({ ...body, _csrf });
}

describe('requiring two-factor sign-in for admins (/settings)', () => {
  beforeAll(() => saveSettings(t.db, { requireTwoFactorForAdmins: true }));
  afterAll(() => saveSettings(t.db, { requireTwoFactorForAdmins: false }));

  test('an admin without it is sent to enrolment after signing in and reaches nothing else, POSTs included', async () => {
    await addUser(t.db, 'alma', 'admin');
    const agent = request.agent(t.app);
    const _csrf = csrfFrom((await agent.get('/login')).text);
    const login = await agent.post('/login').type('form').send({ username: 'alma', password: 'correct horse battery', next: '/tasks', _csrf });
    expect(login.status).toBe(303);
    for (const url of ['/tasks', '/settings', '/users', '/signatures/new', '/api-keys', '/api-docs']) {
      const res = await agent.get(url);
      expect({ url, status: res.status, location: res.headers.location }).toEqual({ url, status: 303, location: '/account/two-factor' });
    }
    const page = await agent.get('/account/two-factor');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Administrators must use two-factor sign-in here.');
    for (const url of ['/settings', '/signatures', '/api-keys', '/users']) {
      const res = await postFromEnrolment(agent, url, { name: 'x', username: 'someone', role: 'admin', password: 'x', passwordConfirm: 'x' });
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
      expect(res.text).toContain('Administrators must set up two-factor sign-in first');
    }
    expect(await t.db('api_keys').count({ n: '*' }).first()).toEqual({ n: 0 });
    // The way out and the language switch still work.
    expect((await postFromEnrolment(agent, '/locale', { locale: 'zh-CN', back: '/account/two-factor' })).status).toBe(303);

    // Enrolling lifts the gate at once.
    await enrol(agent);
    expect((await agent.get('/tasks')).status).toBe(200);
    expect((await agent.get('/settings')).status).toBe(200);
    expect((await postFromEnrolment(agent, '/logout')).status).toBe(303);
  });

  test('members are not affected, nor admins who have it', async () => {
    await addUser(t.db, 'milo');
    expect((await (await loginAs(t.app, 'milo')).get('/tasks')).status).toBe(200);
    await saveSettings(t.db, { requireTwoFactorForAdmins: false });
    await addUser(t.db, 'adam', 'admin');
    const { secret } = await enrol(await loginAs(t.app, 'adam'));
    await saveSettings(t.db, { requireTwoFactorForAdmins: true });
    const agent = await passwordStep(t.app, 'adam');
    expect((await submitCode(agent, codeFor(secret, 1))).status).toBe(303);
    expect((await agent.get('/settings')).status).toBe(200);
  });

  test('the JSON API is unaffected: an API key of an admin without 2FA still works, even beside their session', async () => {
    const id = await addUser(t.db, 'apia', 'admin');
    const { key } = await createApiKey(t.db, { name: 'ci', createdBy: id });
    // Signed in by password only, so the gate holds this session; the API answers by the key all the same.
    const agent = await loginAs(t.app, 'apia');
    expect((await agent.get('/tasks')).headers.location).toBe('/account/two-factor');
    const read = await agent.get('/api/v1/receipts').set('Authorization', `Bearer ${key}`);
    expect(read.status).toBe(200);
    const write = await agent.post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('{}');
    expect(write.status).toBe(422);
    expect(write.body.error.code).not.toMatch(/two/i);
  });

  test('the setting is a form of its own on /settings (admins only); saving the other settings leaves it alone', async () => {
    await addUser(t.db, 'sara', 'admin');
    await addUser(t.db, 'mark');
    await saveSettings(t.db, { requireTwoFactorForAdmins: false });
    const sara = await loginAs(t.app, 'sara');
    const page = await sara.get('/settings');
    expect(formFields(page.text, '/settings/two-factor')).toEqual({});
    expect(formFields(page.text, '/settings').requireTwoFactorForAdmins).toBeUndefined();

    const member = await loginAs(t.app, 'mark');
    expect((await postForm(member, '/settings/two-factor', { requireTwoFactorForAdmins: '1' }, '/tasks')).status).toBe(403);
    expect((await getSettings(t.db, t.config)).requireTwoFactorForAdmins).toBe(false);

    // The main form saved with the requirement off keeps it off, and the other way round.
    const mainForm = formFields(page.text, '/settings');
    const on = await postForm(sara, '/settings/two-factor', { requireTwoFactorForAdmins: '1' }, '/settings');
    expect(on.status).toBe(303);
    expect(on.headers.location).toBe('/settings');
    expect((await getSettings(t.db, t.config)).requireTwoFactorForAdmins).toBe(true);
    // Sara has no second factor, so the setting she just saved sends her to enrolment; her other forms are refused.
    expect((await sara.get('/settings')).headers.location).toBe('/account/two-factor');
    expect((await postFromEnrolment(sara, '/settings', mainForm)).status).toBe(403);
    expect((await postFromEnrolment(sara, '/settings/two-factor', {})).status).toBe(403);

    // An admin who has it: the main form saved leaves the requirement on; unticked in its own form, it goes off.
    await addUser(t.db, 'sven', 'admin');
    const { secret } = await enrol(await loginAs(t.app, 'sven'));
    const sven = await passwordStep(t.app, 'sven');
    expect((await submitCode(sven, codeFor(secret, 1))).status).toBe(303);
    const svenPage = await sven.get('/settings');
    expect(/id="requireTwoFactorForAdmins"[^>]*checked/.test(svenPage.text)).toBe(true);
    expect((await postForm(sven, '/settings', mainForm, '/settings')).status).toBe(303);
    expect((await getSettings(t.db, t.config)).requireTwoFactorForAdmins).toBe(true);
    const off = await postForm(sven, '/settings/two-factor', {}, '/settings');
    expect(off.status).toBe(303);
    expect(flashText((await sven.get('/settings')).text)).toBe('Security settings saved.');
    expect((await getSettings(t.db, t.config)).requireTwoFactorForAdmins).toBe(false);
    expect((await sara.get('/settings')).status).toBe(200);
  });
});

describe("another admin resets a user's two-factor sign-in", () => {
  test('the reset turns it off: the user signs in with the password alone and can enrol again', async () => {
    const id = await addUser(t.db, 'rita');
    const { secret } = await enrol(await loginAs(t.app, 'rita'));
    const admin = await loginAs(t.app, 'admin');
    const rowOf = (html: string) => new RegExp(`<a href="/users/${id}">rita</a>[\\s\\S]*?data-two-factor="(on|off)"`).exec(html)?.[1];
    expect(rowOf((await admin.get('/users')).text)).toBe('on');
    const userPage = await admin.get(`/users/${id}`);
    expect(userPage.text).toContain('data-two-factor-state="on"');
    const res = await postForm(admin, `/users/${id}/two-factor/reset`, {}, `/users/${id}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/users/${id}`);
    const after = await admin.get(`/users/${id}`);
    expect(flashText(after.text)).toBe('Two-factor sign-in of rita is reset.');
    expect(after.text).toContain('data-two-factor-state="off"');
    expect(rowOf((await admin.get('/users')).text)).toBe('off');
    expect(await t.db('totp_credentials').where({ user_id: id }).first()).toBeUndefined();
    expect(await t.db('recovery_codes').where({ user_id: id }).first()).toBeUndefined();

    const rita = await loginAs(t.app, 'rita');
    expect((await rita.get('/tasks')).status).toBe(200);
    const again = await enrol(rita);
    expect(again.secret).not.toBe(secret);
  });

  test('an admin cannot reset their own (it takes another admin), and a member cannot reset anyone', async () => {
    const adminId = await addUser(t.db, 'owen', 'admin');
    const owen = await loginAs(t.app, 'owen');
    await enrol(owen);
    const own = await postForm(owen, `/users/${adminId}/two-factor/reset`, {}, '/account/two-factor');
    expect(own.status).toBe(303);
    expect(flashText((await owen.get('/account/two-factor')).text)).toBe('You cannot reset your own two-factor sign-in: ask another administrator.');
    expect(await t.db('totp_credentials').where({ user_id: adminId }).first()).toBeDefined();

    await addUser(t.db, 'max');
    const member = await loginAs(t.app, 'max');
    const refused = await postForm(member, `/users/${adminId}/two-factor/reset`, {}, '/tasks');
    expect(refused.status).toBe(403);
    expect(await t.db('totp_credentials').where({ user_id: adminId }).first()).toBeDefined();
  });

  test('an unknown user is a 404, and a user without it is told so', async () => {
    const admin = await loginAs(t.app, 'admin');
    expect((await postForm(admin, '/users/99999/two-factor/reset', {}, '/users')).status).toBe(404);
    expect((await postForm(admin, '/users/abc/two-factor/reset', {}, '/users')).status).toBe(404);
    const id = await addUser(t.db, 'nora');
    await postForm(admin, `/users/${id}/two-factor/reset`, {}, `/users/${id}`);
    expect(flashText((await admin.get(`/users/${id}`)).text)).toBe('nora had no two-factor sign-in to reset.');
  });
});
