import { openSecret, sealSecret } from '../../src/secrets/secret-box';
import { MAX_FAILURES } from '../../src/services/auth.service';
import request from 'supertest';
import { addUser, cookieFrom, csrfFrom, fieldError, flashText, loginAs, makeTestApp, PASSWORD, postForm, type TestApp } from '../helpers/app';
import { codeAtStep, codeFor, enrol, passwordStep, recoveryCodesOnPage, secretOnPage, submitCode } from '../helpers/two-factor';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterAll(() => t.close());

/** A user with two-factor sign-in on, enrolled through the pages. */
async function enrolledUser(username: string, role: 'admin' | 'member' = 'member') {
  const id = await addUser(t.db, username, role);
  const { secret, recoveryCodes } = await enrol(await loginAs(t.app, username));
  return { id, secret, recoveryCodes };
}

describe('enrolment', () => {
  test('start, a QR image and the key as text, a wrong code (422, said so), the right one: on, ten recovery codes shown once', async () => {
    const id = await addUser(t.db, 'erin');
    const agent = await loginAs(t.app, 'erin');
    const off = await agent.get('/account/two-factor');
    expect(off.status).toBe(200);
    expect(off.text).toContain('data-two-factor-state="off"');

    const started = await postForm(agent, '/account/two-factor/start', {}, '/account/two-factor');
    expect(started.status).toBe(303);
    const page = await agent.get('/account/two-factor');
    expect(page.text).toContain('data-two-factor-state="enrolling"');
    const img = /<img src="(data:image\/svg\+xml;base64,[^"]+)"/.exec(page.text);
    expect(Buffer.from(img![1].split(',')[1], 'base64').toString()).toMatch(/^<svg[^>]*>/);
    const secret = secretOnPage(page.text)!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrongCode = String((Number(codeFor(secret)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await postForm(agent, '/account/two-factor/confirm', { code: wrongCode }, '/account/two-factor');
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.text, 'code')).toMatch(/^That code does not match this key/);
    // The same key is still offered, so the person can simply try the next code.
    expect(secretOnPage(wrong.text)).toBe(secret);
    const letters = await postForm(agent, '/account/two-factor/confirm', { code: 'abc' }, '/account/two-factor');
    expect(letters.status).toBe(422);
    expect(fieldError(letters.text, 'code')).toBe('Enter the 6 digits your app shows.');

    const ok = await postForm(agent, '/account/two-factor/confirm', { code: codeFor(secret) }, '/account/two-factor');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/two-factor/recovery-codes');
    const shown = await agent.get('/account/two-factor/recovery-codes');
    const codes = recoveryCodesOnPage(shown.text);
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(new Set(codes).size).toBe(10);
    // Shown once: a reload finds them gone.
    const again = await agent.get('/account/two-factor/recovery-codes');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/account/two-factor');
    const on = await agent.get('/account/two-factor');
    expect(on.text).toContain('data-two-factor-state="on"');
    expect(on.text).toContain('data-recovery-left="10"');

    // At rest: the key sealed by the secret box, the recovery codes only as hashes.
    const row = await t.db('totp_credentials').where({ user_id: id }).first();
    expect(row.secret_box).not.toContain(secret);
    expect(openSecret(t.config.secretKey, row.secret_box)).toBe(secret);
    expect(row.confirmed_at).not.toBeNull();
    const hashes = await t.db('recovery_codes').where({ user_id: id }).pluck('code_hash');
    expect(hashes).toHaveLength(10);
    const stored = JSON.stringify(await t.db('recovery_codes').where({ user_id: id }));
    for (const c of codes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace(/-/g, ''));
    }
  });

  test('once on, starting again is refused: a stolen session cannot move the second factor to another phone', async () => {
    const { id, secret } = await enrolledUser('fred');
    const agent = await passwordStep(t.app, 'fred');
    expect((await submitCode(agent, codeFor(secret, 1))).status).toBe(303);
    const before = await t.db('totp_credentials').where({ user_id: id }).first();
    const res = await postForm(agent, '/account/two-factor/start', {}, '/account/two-factor');
    expect(res.status).toBe(303);
    expect(flashText((await agent.get('/account/two-factor')).text)).toMatch(/already on/);
    expect(await t.db('totp_credentials').where({ user_id: id }).first()).toEqual(before);
  });

  test('new recovery codes take a current code (wrong: 422; replayed: 422); the old codes then stop working', async () => {
    const { id, secret, recoveryCodes } = await enrolledUser('uma');
    const agent = await passwordStep(t.app, 'uma');
    expect((await submitCode(agent, recoveryCodes[0])).status).toBe(303);
    expect((await agent.get('/account/two-factor')).text).toContain('data-recovery-left="9"');

    const wrongCode = String((Number(codeFor(secret, 1)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await postForm(agent, '/account/two-factor/recovery-codes', { code: wrongCode }, '/account/two-factor');
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.text, 'code')).toMatch(/^That code is not right/);
    const step: number = (await t.db('totp_credentials').where({ user_id: id }).first()).last_used_step ?? 0;
    const code = codeAtStep(secret, Math.max(step + 1, Math.floor(Date.now() / 30_000)));
    const ok = await postForm(agent, '/account/two-factor/recovery-codes', { code }, '/account/two-factor');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/two-factor/recovery-codes');
    const fresh = recoveryCodesOnPage((await agent.get('/account/two-factor/recovery-codes')).text);
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => recoveryCodes.includes(c))).toEqual([]);
    const replayed = await postForm(agent, '/account/two-factor/recovery-codes', { code }, '/account/two-factor');
    expect(replayed.status).toBe(422);
    expect(fieldError(replayed.text, 'code')).toBe('That code has just been used. Wait for the next code in your app.');

    const old = await passwordStep(t.app, 'uma');
    expect((await submitCode(old, recoveryCodes[1])).status).toBe(422);
    expect((await submitCode(old, fresh[0])).status).toBe(303);
  });

  test('enrolment needs a signed-in user', async () => {
    const res = await request(t.app).get('/account/two-factor');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Faccount%2Ftwo-factor');
  });
});

describe('signing in with a code', () => {
  test('after the password the session is not signed in; the right code signs in, in a new session', async () => {
    const { secret } = await enrolledUser('gina');
    const agent = request.agent(t.app);
    const loginPage = await agent.get('/login');
    const before = cookieFrom(loginPage);
    expect(before).toBeDefined();
    const password = await agent.post('/login').type('form').send({ username: 'gina', password: PASSWORD, next: '/tasks', _csrf: csrfFrom(loginPage.text) });
    expect(password.status).toBe(303);
    expect(password.headers.location).toBe('/login/code');
    const blocked = await agent.get('/tasks');
    expect(blocked.status).toBe(303);
    expect(blocked.headers.location).toMatch(/^\/login/);
    const codePage = await agent.get('/login/code');
    expect(codePage.status).toBe(200);
    expect(codePage.text).toContain('action="/login/code"');

    const res = await submitCode(agent, codeFor(secret, 1));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tasks');
    // A new session id at the final step (session fixation); the old one is gone.
    expect(cookieFrom(res)).toBeDefined();
    expect(cookieFrom(res)).not.toBe(before);
    expect(await t.db('sessions').where({ sid: decodeURIComponent(before!).slice(2).split('.')[0] }).first()).toBeUndefined();
    expect((await agent.get('/tasks')).status).toBe(200);
  });

  test('a wrong code: 422 with a clear message on the code page, nothing echoed; a malformed one too', async () => {
    const { secret } = await enrolledUser('hank');
    const agent = await passwordStep(t.app, 'hank');
    const wrongCode = String((Number(codeFor(secret, 1)) + 500_000) % 1_000_000).padStart(6, '0');
    const wrong = await submitCode(agent, wrongCode);
    expect(wrong.status).toBe(422);
    expect(fieldError(wrong.text, 'code')).toMatch(/^That code is not right/);
    expect(wrong.text).not.toContain(`value="${wrongCode}"`);
    const malformed = await submitCode(agent, '12345x');
    expect(malformed.status).toBe(422);
    expect(fieldError(malformed.text, 'code')).toBe('Enter the 6-digit code from your app, or a recovery code like abcd-efgh-ijkl.');
    const empty = await submitCode(agent, '');
    expect(empty.status).toBe(422);
    expect(fieldError(empty.text, 'code')).toBe('This field is required.');
    const zh = await agent.post('/login/code').set('Accept-Language', 'zh-CN').type('form').send({ code: wrongCode, _csrf: /name="_csrf" value="([^"]+)"/.exec(wrong.text)![1] });
    expect(zh.status).toBe(422);
    expect(fieldError(zh.text, 'code')).toMatch(/^验证码不正确/);
    expect((await agent.get('/tasks')).status).toBe(303);
  });

  test('a code that signed in cannot sign in again within its window; the code that confirmed enrolment neither', async () => {
    const { id, secret } = await enrolledUser('ivan');
    const enrolmentStep: number = (await t.db('totp_credentials').where({ user_id: id }).first()).last_used_step;
    const first = await passwordStep(t.app, 'ivan');
    const enrolmentCode = await submitCode(first, codeAtStep(secret, enrolmentStep));
    expect(enrolmentCode.status).toBe(422);
    expect(fieldError(enrolmentCode.text, 'code')).toBe('That code has just been used. Wait for the next code in your app.');

    const code = codeAtStep(secret, enrolmentStep + 1);
    expect((await submitCode(first, code)).status).toBe(303);
    const two = await passwordStep(t.app, 'ivan');
    const replay = await submitCode(two, code);
    expect(replay.status).toBe(422);
    expect(fieldError(replay.text, 'code')).toBe('That code has just been used. Wait for the next code in your app.');
    expect((await two.get('/tasks')).status).toBe(303);
  });

  test('the same code sent twice at once signs in only once', async () => {
    const { secret } = await enrolledUser('jane');
    const a = await passwordStep(t.app, 'jane');
    const b = await passwordStep(t.app, 'jane');
    const code = codeFor(secret, 1);
    const statuses = (await Promise.all([submitCode(a, code), submitCode(b, code)])).map((r) => r.status).sort();
    expect(statuses).toEqual([303, 422]);
  });

  test('a recovery code signs in once (any case, with or without the dashes), then never again', async () => {
    const { id, recoveryCodes } = await enrolledUser('kim');
    const agent = await passwordStep(t.app, 'kim');
    const res = await submitCode(agent, ` ${recoveryCodes[3].toUpperCase().replace(/-/g, ' ')} `);
    expect(res.status).toBe(303);
    expect(flashText((await agent.get('/tasks')).text)).toBe('You signed in with a recovery code; it cannot be used again. 9 left.');
    expect(await t.db('recovery_codes').where({ user_id: id }).whereNotNull('used_at').count({ n: '*' }).first()).toEqual({ n: 1 });

    const again = await passwordStep(t.app, 'kim');
    const reused = await submitCode(again, recoveryCodes[3]);
    expect(reused.status).toBe(422);
    expect(fieldError(reused.text, 'code')).toMatch(/^That code is not right/);
    const other = await passwordStep(t.app, 'kim');
    expect((await submitCode(other, recoveryCodes[4])).status).toBe(303);
  });

  test('the code step is throttled like the password step: 5 wrong codes, then even the right one is refused (429)', async () => {
    const { id, secret } = await enrolledUser('lena');
    const agent = await passwordStep(t.app, 'lena');
    const wrongCode = String((Number(codeFor(secret, 1)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < MAX_FAILURES; i += 1) expect((await submitCode(agent, wrongCode)).status).toBe(422);
    const right = await submitCode(agent, codeFor(secret, 1));
    expect(right.status).toBe(429);
    expect(right.text).toMatch(/Too many wrong codes\. Wait (15 minutes|a minute)/);
    expect(await t.db('two_factor_attempts').where({ user_id: id }).count({ n: '*' }).first()).toEqual({ n: MAX_FAILURES });
    // A right password does not hand out fresh code guesses: the code step stays throttled.
    const again = await passwordStep(t.app, 'lena');
    expect((await submitCode(again, codeFor(secret, 1))).status).toBe(429);
    expect((await again.get('/tasks')).status).toBe(303);
  });

  test('guesses sent all at once: only 5 are checked', async () => {
    const { id, secret } = await enrolledUser('mona');
    const agent = await passwordStep(t.app, 'mona');
    const base = Number(codeFor(secret, 1));
    const guesses = Array.from({ length: 12 }, (_, i) => String((base + 1 + i) % 1_000_000).padStart(6, '0'));
    const statuses = (await Promise.all(guesses.map((g) => submitCode(agent, g)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 422)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MAX_FAILURES);
    expect(await t.db('two_factor_attempts').where({ user_id: id }).count({ n: '*' }).first()).toEqual({ n: MAX_FAILURES });
  });

  test('a key sealed under another QUNFA_SECRET_KEY: app codes are refused (422, not 500), a recovery code still works', async () => {
    const { id, secret, recoveryCodes } = await enrolledUser('vera');
    await t.db('totp_credentials').where({ user_id: id }).update({ secret_box: sealSecret(Buffer.alloc(32, 9), secret) });
    const agent = await passwordStep(t.app, 'vera');
    const res = await submitCode(agent, codeFor(secret, 1));
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'code')).toMatch(/^That code is not right/);
    expect((await submitCode(agent, recoveryCodes[0])).status).toBe(303);
  });

  test('without a password step the code page leads back to the login page', async () => {
    const agent = request.agent(t.app);
    expect((await agent.get('/login/code')).headers.location).toBe('/login');
    const res = await postForm(agent, '/login/code', { code: '123456' }, '/login');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });

  test('a password change between the two steps voids the password step', async () => {
    const { id, secret } = await enrolledUser('nina');
    const agent = await passwordStep(t.app, 'nina');
    await t.db('users').where({ id }).increment('session_generation', 1);
    const res = await submitCode(agent, codeFor(secret, 1));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await agent.get('/tasks')).status).toBe(303);
  });

  test('a reset between the two steps sends the user back to the password, which then signs in alone', async () => {
    const { id } = await enrolledUser('walt');
    const agent = await passwordStep(t.app, 'walt');
    await t.db('totp_credentials').where({ user_id: id }).delete();
    const res = await submitCode(agent, '123456');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect(await t.db('two_factor_attempts').where({ user_id: id }).first()).toBeUndefined();
  });

  test('users without two-factor sign-in still sign in with the password alone', async () => {
    await addUser(t.db, 'otto');
    const agent = await loginAs(t.app, 'otto');
    expect((await agent.get('/tasks')).status).toBe(200);
  });
});
