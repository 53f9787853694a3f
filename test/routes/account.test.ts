import request from 'supertest';
import { addUser, fieldError, flashText, loggedIn, loginAs, makeTestApp, PASSWORD, postForm, type Agent, type TestApp } from '../helpers/app';

const NEW_PASSWORD = 'my own new passphrase';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

const changeOwn = (agent: Agent, body: Record<string, string>) => postForm(agent, '/account/password', body);

test('every user, members too, has the form, linked from the header in both languages', async () => {
  await addUser(t.db, 'mona');
  const member = await loginAs(t.app, 'mona');
  const page = await member.get('/account/password');
  expect(page.status).toBe(200);
  expect(page.text).toContain('<h1>Change your password</h1>');
  expect(page.text).toContain('autocomplete="current-password"');
  expect((await member.get('/tasks')).text).toContain('<a href="/account/password" class="account-link">Change password</a>');
  expect((await member.get('/tasks').set('Accept-Language', 'zh-CN')).text).toContain('修改密码');
  expect((await request(t.app).get('/account/password')).headers.location).toBe('/login?next=%2Faccount%2Fpassword');
});

test("a member changes their own password: the other sessions end, this one stays signed in; the old password stops working", async () => {
  await addUser(t.db, 'maya');
  const [here, phone, laptop] = await Promise.all([loginAs(t.app, 'maya'), loginAs(t.app, 'maya'), loginAs(t.app, 'maya')]);
  const res = await changeOwn(here, { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/account/password');
  expect(flashText((await here.get('/account/password')).text)).toBe('Your password is changed. Your other sessions have ended.');
  expect([await loggedIn(here), await loggedIn(phone), await loggedIn(laptop)]).toEqual([true, false, false]);
  // The session it was made from keeps working for forms too.
  expect((await postForm(here, '/signatures', { name: 'Maya' }, '/signatures/new')).status).toBe(303);
  await expect(loginAs(t.app, 'maya')).rejects.toThrow();
  expect(await loggedIn(await loginAs(t.app, 'maya', NEW_PASSWORD))).toBe(true);
});

test.each([
  ['no current password', { currentPassword: '', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }, 'currentPassword', 'This field is required.'],
  ['a wrong current password', { currentPassword: 'not my password', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }, 'currentPassword', 'That is not your current password.'],
  ['an overlong current password', { currentPassword: 'x'.repeat(5000), password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }, 'currentPassword', 'That is not your current password.'],
  ['a short new password', { currentPassword: PASSWORD, password: 'short', passwordConfirm: 'short' }, 'password', 'Use at least 8 characters.'],
  ['a mismatched confirmation', { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordConfirm: 'something else' }, 'passwordConfirm', 'The two passwords do not match.'],
])('%s is refused with 422 on the same page; nothing changes and no session ends', async (_name, body, fieldName, message) => {
  const username = `refused-${fieldName.toLowerCase()}-${body.currentPassword.length}-${body.password.length}-${body.passwordConfirm.length}`.slice(0, 32);
  await addUser(t.db, username);
  const [here, elsewhere] = await Promise.all([loginAs(t.app, username), loginAs(t.app, username)]);
  const before = await t.db('users').where({ username }).first();
  const res = await changeOwn(here, body);
  expect(res.status).toBe(422);
  expect(fieldError(res.text, fieldName)).toBe(message);
  expect(res.text).not.toContain(NEW_PASSWORD);
  const after = await t.db('users').where({ username }).first();
  expect([after.password_hash, after.session_generation]).toEqual([before.password_hash, before.session_generation]);
  expect([await loggedIn(here), await loggedIn(elsewhere)]).toEqual([true, true]);
});

test('the change needs the CSRF token', async () => {
  await addUser(t.db, 'nocsrf');
  const agent = await loginAs(t.app, 'nocsrf');
  const res = await agent.post('/account/password').type('form').send({ currentPassword: PASSWORD, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
  expect(res.status).toBe(403);
});
