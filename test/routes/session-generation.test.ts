import request from 'supertest';
import { addUser, loggedIn, loginAs, makeTestApp, PASSWORD, postForm, type Agent, type TestApp } from '../helpers/app';
import { createApiKey } from '../../src/services/api-keys.service';

const NEW_PASSWORD = 'a brand new passphrase';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

const change = (admin: Agent, userId: number, action: string, body: Record<string, string> = {}) =>
  postForm(admin, `/users/${userId}/${action}`, body, `/users/${userId}`);

test("an admin's password reset ends every session of the user; the admin's own session carries on", async () => {
  const id = await addUser(t.db, 'rita');
  const [phone, laptop, admin] = await Promise.all([loginAs(t.app, 'rita'), loginAs(t.app, 'rita'), loginAs(t.app, 'admin')]);
  expect([await loggedIn(phone), await loggedIn(laptop)]).toEqual([true, true]);
  expect((await change(admin, id, 'password', { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).status).toBe(303);
  expect([await loggedIn(phone), await loggedIn(laptop), await loggedIn(admin)]).toEqual([false, false, true]);
  // The old password no longer works; the new one does, and that new session lasts.
  await expect(loginAs(t.app, 'rita')).rejects.toThrow();
  const again = await loginAs(t.app, 'rita', NEW_PASSWORD);
  expect(await loggedIn(again)).toBe(true);
});

test.each([
  ['a promotion', 'member', 'role', { role: 'admin' }],
  ['a demotion', 'admin', 'role', { role: 'member' }],
  ['a disable', 'member', 'disable', {}],
] as const)('%s ends every session of the user', async (_name, role, action, body) => {
  const username = `user-${action}-${role}`;
  const id = await addUser(t.db, username, role);
  const [one, two, admin] = await Promise.all([loginAs(t.app, username), loginAs(t.app, username), loginAs(t.app, 'admin')]);
  expect((await change(admin, id, action, body)).status).toBe(303);
  expect([await loggedIn(one), await loggedIn(two), await loggedIn(admin)]).toEqual([false, false, true]);
});

test('setting the role a user already has changes nothing and ends no session', async () => {
  const id = await addUser(t.db, 'steady');
  const [member, admin] = await Promise.all([loginAs(t.app, 'steady'), loginAs(t.app, 'admin')]);
  expect((await change(admin, id, 'role', { role: 'member' })).status).toBe(303);
  expect(await loggedIn(member)).toBe(true);
});

test('admins resetting their own password keep the session they did it from; their other sessions end', async () => {
  const id = await addUser(t.db, 'selfie', 'admin');
  const [here, elsewhere] = await Promise.all([loginAs(t.app, 'selfie'), loginAs(t.app, 'selfie')]);
  expect((await change(here, id, 'password', { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).status).toBe(303);
  expect([await loggedIn(here), await loggedIn(elsewhere)]).toEqual([true, false]);
  // The re-stamped session keeps working for forms too.
  expect((await postForm(here, '/signatures', { name: 'Selfie' }, '/signatures/new')).status).toBe(303);
});

test('an API key stops working once the admin who made it is demoted, and works again if they are promoted back', async () => {
  const ownerId = await addUser(t.db, 'keyholder', 'admin');
  const { key } = await createApiKey(t.db, { name: 'integration', createdBy: ownerId });
  const receipts = () => request(t.app).get('/api/v1/receipts').set('Authorization', `Bearer ${key}`);
  expect((await receipts()).status).toBe(200);
  const admin = await loginAs(t.app, 'admin');
  await change(admin, ownerId, 'role', { role: 'member' });
  const refused = await receipts();
  expect([refused.status, refused.body.error.code]).toEqual([401, 'invalid_api_key']);
  expect(t.logLines.some((l) => l.includes('api key refused') && l.includes('owner_not_admin'))).toBe(true);
  await change(admin, ownerId, 'role', { role: 'admin' });
  expect((await receipts()).status).toBe(200);
});
