import request from 'supertest';
import {
  addUser,
  fieldError,
  flashText,
  inputValue,
  loginAs,
  makeTestApp,
  PASSWORD,
  postForm,
  selectedOption,
  tokenFor,
  type Agent,
  type TestApp,
} from '../helpers/app';

async function canLogIn(t: TestApp, username: string, password: string): Promise<boolean> {
  const agent = request.agent(t.app);
  const _csrf = await tokenFor(agent, '/login');
  const res = await agent.post('/login').type('form').send({ username, password, _csrf });
  return res.status === 303;
}

async function userRow(t: TestApp, username: string) {
  return t.db('users').where({ username }).first();
}

describe('managing users', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await makeTestApp();
    await addUser(t.db, 'admin', 'admin');
    admin = await loginAs(t.app, 'admin');
  });
  afterAll(() => t.close());

  test('the list shows every user with role and state', async () => {
    await addUser(t.db, 'listed');
    const res = await admin.get('/users');
    expect(res.status).toBe(200);
    expect(res.text).toContain('>listed</a>');
    expect(res.text).toContain('>admin</a>');
    expect(res.text).toMatch(/Member/);
    expect(res.text).toMatch(/Active/);
  });

  test.each(['member', 'admin'])('an admin creates a user with the role %s, who can then log in', async (role) => {
    const username = `new-${role}`;
    const res = await postForm(admin, '/users', { username: `  New-${role} `, role, password: 'first password', passwordConfirm: 'first password' }, '/users/new');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/users');
    expect(flashText((await admin.get('/users')).text)).toBe(`User ${username} created.`);
    const row = await userRow(t, username);
    expect(row).toMatchObject({ username, role, disabled_at: null });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(await canLogIn(t, username, 'first password')).toBe(true);
    const agent = await loginAs(t.app, username, 'first password');
    expect((await agent.get('/users')).status).toBe(role === 'admin' ? 200 : 403);
  });

  test.each([
    ['a duplicate username (any case)', { username: 'ADMIN', role: 'member' }, 'username', 'This username is already taken.'],
    ['a bad username', { username: 'a b', role: 'member' }, 'username', 'Use 3–32 characters: letters, digits, dot, dash or underscore.'],
    ['a bad role', { username: 'roley', role: 'root' }, 'role', 'Choose a role.'],
    ['no role', { username: 'roley', role: '' }, 'role', 'Choose a role.'],
    ['a short password', { username: 'shorty', role: 'admin', password: 'short', passwordConfirm: 'short' }, 'password', 'Use at least 8 characters.'],
    ['passwords that differ', { username: 'mismatch', role: 'admin', passwordConfirm: 'something else' }, 'passwordConfirm', 'The two passwords do not match.'],
  ])('%s: 422, the message beside the field, the values kept, no user created', async (_name, body, fieldName, message) => {
    const before = await t.db('users').count({ n: '*' }).first();
    const res = await postForm(admin, '/users', { password: 'good password', passwordConfirm: 'good password', ...body }, '/users/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toBe(message);
    expect(inputValue(res.text, 'username')).toBe(body.username);
    if (body.role === 'admin' || body.role === 'member') expect(selectedOption(res.text, 'role')).toBe(body.role);
    expect(inputValue(res.text, 'password')).toBe('');
    expect(await t.db('users').count({ n: '*' }).first()).toEqual(before);
  });

  test('reset password: the user logs in with the new one, not the old', async () => {
    const id = await addUser(t.db, 'forgetful');
    const res = await postForm(admin, `/users/${id}/password`, { password: 'brand new pw', passwordConfirm: 'brand new pw' }, `/users/${id}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/users/${id}`);
    expect(flashText((await admin.get(`/users/${id}`)).text)).toBe('Password of forgetful reset.');
    expect(await canLogIn(t, 'forgetful', PASSWORD)).toBe(false);
    expect(await canLogIn(t, 'forgetful', 'brand new pw')).toBe(true);
  });

  test('reset password with a mismatch: 422 on the user page, password unchanged', async () => {
    const id = await addUser(t.db, 'mismatched');
    const before = (await userRow(t, 'mismatched')).password_hash;
    const res = await postForm(admin, `/users/${id}/password`, { password: 'brand new pw', passwordConfirm: 'brand new px' }, `/users/${id}`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'passwordConfirm')).toBe('The two passwords do not match.');
    expect((await userRow(t, 'mismatched')).password_hash).toBe(before);
  });

  test('disable, then enable', async () => {
    const id = await addUser(t.db, 'toggled');
    const session = await loginAs(t.app, 'toggled');

    const off = await postForm(admin, `/users/${id}/disable`, {}, `/users/${id}`);
    expect(off.status).toBe(303);
    expect((await userRow(t, 'toggled')).disabled_at).not.toBeNull();
    const page = await admin.get(`/users/${id}`);
    expect(flashText(page.text)).toBe('toggled is disabled.');
    expect(page.text).toContain('Enable user');
    expect(await canLogIn(t, 'toggled', PASSWORD)).toBe(false);
    expect((await session.get('/signatures')).status).toBe(303);

    const on = await postForm(admin, `/users/${id}/enable`, {}, `/users/${id}`);
    expect(on.status).toBe(303);
    expect((await userRow(t, 'toggled')).disabled_at).toBeNull();
    expect(flashText((await admin.get(`/users/${id}`)).text)).toBe('toggled is enabled.');
    expect(await canLogIn(t, 'toggled', PASSWORD)).toBe(true);
  });

  test('a role change ends the open sessions at once; the next login has the new role', async () => {
    const id = await addUser(t.db, 'promoted');
    const session = await loginAs(t.app, 'promoted');
    expect((await session.get('/settings')).status).toBe(403);
    const res = await postForm(admin, `/users/${id}/role`, { role: 'admin' }, `/users/${id}`);
    expect(res.status).toBe(303);
    expect((await userRow(t, 'promoted')).role).toBe('admin');
    expect((await session.get('/settings')).headers.location).toBe('/login?next=%2Fsettings');
    const again = await loginAs(t.app, 'promoted');
    expect((await again.get('/settings')).status).toBe(200);
    const back = await postForm(admin, `/users/${id}/role`, { role: 'member' }, `/users/${id}`);
    expect(back.status).toBe(303);
    expect((await again.get('/settings')).headers.location).toBe('/login?next=%2Fsettings');
    expect((await (await loginAs(t.app, 'promoted')).get('/settings')).status).toBe(403);
  });

  test('a bad role on the user page: 422 with the message', async () => {
    const id = await addUser(t.db, 'rolebad');
    const res = await postForm(admin, `/users/${id}/role`, { role: 'owner' }, `/users/${id}`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'role')).toBe('Choose a role.');
    expect((await userRow(t, 'rolebad')).role).toBe('member');
  });

  test('unknown users are 404', async () => {
    expect((await admin.get('/users/9999')).status).toBe(404);
    expect((await postForm(admin, '/users/9999/disable', {}, '/users')).status).toBe(404);
    expect((await postForm(admin, '/users/9999/password', { password: 'brand new pw', passwordConfirm: 'brand new pw' }, '/users')).status).toBe(404);
    expect((await postForm(admin, '/users/9999/role', { role: 'admin' }, '/users')).status).toBe(404);
  });
});

describe('the last active admin', () => {
  let t: TestApp;
  let first: Agent;
  let firstId: number;
  beforeAll(async () => {
    t = await makeTestApp();
    firstId = await addUser(t.db, 'first', 'admin');
    first = await loginAs(t.app, 'first');
  });
  afterAll(() => t.close());

  async function expectRefused(res: request.Response) {
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/users/${firstId}`);
    const page = await first.get(`/users/${firstId}`);
    expect(page.text).toContain('flash-error');
    expect(flashText(page.text)).toBe('This is the last active administrator: make another user an admin first.');
    expect(await userRow(t, 'first')).toMatchObject({ role: 'admin', disabled_at: null });
  }

  test('cannot be disabled or demoted, by themselves', async () => {
    await expectRefused(await postForm(first, `/users/${firstId}/disable`, {}, `/users/${firstId}`));
    await expectRefused(await postForm(first, `/users/${firstId}/role`, { role: 'member' }, `/users/${firstId}`));
  });

  test('a disabled admin does not count as a second one', async () => {
    const id = await addUser(t.db, 'sleeping', 'admin');
    await t.db('users').where({ id }).update({ disabled_at: new Date().toISOString() });
    await expectRefused(await postForm(first, `/users/${firstId}/role`, { role: 'member' }, `/users/${firstId}`));
  });

  test('once there is a second active admin, either can be demoted or disabled', async () => {
    const secondId = await addUser(t.db, 'second', 'admin');
    const demote = await postForm(first, `/users/${firstId}/role`, { role: 'member' }, `/users/${firstId}`);
    expect(demote.status).toBe(303);
    expect((await userRow(t, 'first')).role).toBe('member');

    // now "second" is the last active admin and is protected in turn
    const second = await loginAs(t.app, 'second');
    const refused = await postForm(second, `/users/${secondId}/disable`, {}, `/users/${secondId}`);
    expect(refused.status).toBe(303);
    expect(flashText((await second.get(`/users/${secondId}`)).text)).toMatch(/last active administrator/);
    expect((await userRow(t, 'second')).disabled_at).toBeNull();

    // promote "first" again, then "second" can be disabled
    expect((await postForm(second, `/users/${firstId}/role`, { role: 'admin' }, `/users/${firstId}`)).status).toBe(303);
    const disabled = await postForm(second, `/users/${secondId}/disable`, {}, `/users/${secondId}`);
    expect(disabled.status).toBe(303);
    expect((await userRow(t, 'second')).disabled_at).not.toBeNull();
    expect((await second.get('/users')).status).toBe(303); // their own session ended
  });
});
