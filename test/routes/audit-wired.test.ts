/**
 * The audit records of the features built beside the audit log (issue 14): two-factor sign-in, a user's own
 * password change, the opt-out list and its API, the send-rules settings and "send the rest". Each test fails if
 * its recordAudit call is removed; none finds a secret in the log.
 */
import request from 'supertest';
import { addUser, formFields, loginAs, PASSWORD, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { appWithAdminAndMember, auditReaders } from '../helpers/audit';
import { codeAtStep, codeFor, enrol, passwordStep, submitCode } from '../helpers/two-factor';
import { MAX_FAILURES } from '../../src/services/auth.service';
import { createApiKey } from '../../src/services/api-keys.service';
import { recordInboundMessage } from '../../src/services/inbound-messages.service';
import { phones, seedTask } from '../helpers/tasks';

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  ({ t, admin, member } = await appWithAdminAndMember());
});
afterAll(() => t.close());

const { recorded, lastId, allText } = auditReaders(() => t.db);
const wrongCodeFor = (secret: string, stepsAhead = 0) => String((Number(codeFor(secret, stepsAhead)) + 1) % 1_000_000).padStart(6, '0');

describe('own password', () => {
  test('a user changing their own password is user.password_changed, by that user, with no password in it', async () => {
    const id = await addUser(t.db, 'paula');
    const paula = await loginAs(t.app, 'paula');
    const since = await lastId();
    const wrong = await postForm(paula, '/account/password', { currentPassword: 'not it', password: 'paula-new-pass-1', passwordConfirm: 'paula-new-pass-1' });
    expect(wrong.status).toBe(422);
    const res = await postForm(paula, '/account/password', { currentPassword: PASSWORD, password: 'paula-new-pass-1', passwordConfirm: 'paula-new-pass-1' });
    expect(res.status).toBe(303);
    const rows = await recorded('user.password_changed', since);
    expect(rows.map((r) => [r.actor_label, r.actor_user_id, r.object_type, r.object_id])).toEqual([['paula', id, 'user', String(id)]]);
    expect(rows[0].summary).toEqual({ after: { username: 'paula', sessionsEnded: true } });
    expect(rows[0].ip).toMatch(/127\.0\.0\.1/);
    // An admin's reset keeps its own action.
    expect(await recorded('user.password_reset', since)).toEqual([]);
    const text = await allText();
    expect(text).not.toContain('paula-new-pass-1');
    expect(text).not.toContain(PASSWORD);
  });
});

describe('two-factor sign-in', () => {
  test('enrolment is user.twofa_enrolled, by the user, with neither the key nor the recovery codes', async () => {
    const id = await addUser(t.db, 'erin');
    const since = await lastId();
    const { secret, recoveryCodes } = await enrol(await loginAs(t.app, 'erin'));
    const rows = await recorded('user.twofa_enrolled', since);
    expect(rows.map((r) => [r.actor_label, r.actor_user_id, r.object_id, r.summary])).toEqual([['erin', id, String(id), { after: { twoFactor: 'on', codesIssued: 10 } }]]);
    const text = await allText();
    expect(text).not.toContain(secret);
    for (const c of recoveryCodes) expect(text).not.toContain(c);
  });

  test('the sign-in is recorded once, when the code is accepted; wrong and replayed codes are sign-in failures of the code step', async () => {
    const id = await addUser(t.db, 'cody');
    const { secret, recoveryCodes } = await enrol(await loginAs(t.app, 'cody'));
    const since = await lastId();

    const agent = await passwordStep(t.app, 'cody');
    // The password step alone is not a sign-in.
    expect(await recorded('auth.login_succeeded', since)).toEqual([]);
    const wrong = wrongCodeFor(secret, 1);
    expect((await submitCode(agent, wrong)).status).toBe(422);
    const good = codeFor(secret, 1);
    expect((await submitCode(agent, good)).status).toBe(303);
    // The same code again, in a second sign-in: refused as replayed.
    const again = await passwordStep(t.app, 'cody');
    expect((await submitCode(again, good)).status).toBe(422);
    // A recovery code signs in too, and says so.
    expect((await submitCode(again, recoveryCodes[0])).status).toBe(303);

    const ok = await recorded('auth.login_succeeded', since);
    expect(ok.map((r) => [r.actor_label, r.actor_user_id, r.object_id, r.summary])).toEqual([
      ['cody', id, String(id), { after: { secondFactor: 'app' } }],
      ['cody', id, String(id), { after: { secondFactor: 'recovery_code' } }],
    ]);
    const failed = await recorded('auth.login_failed', since);
    expect(failed.map((r) => [r.actor_label, r.actor_user_id, r.summary])).toEqual([
      ['cody', id, { after: { step: 'code', reason: 'wrong_code' } }],
      ['cody', id, { after: { step: 'code', reason: 'replayed_code' } }],
    ]);
    expect(failed[0].ip).toMatch(/127\.0\.0\.1/);
    const text = await allText();
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(recoveryCodes[0]);
  });

  test('a throttled code is recorded as a failure with the reason throttled', async () => {
    await addUser(t.db, 'tess');
    const { secret } = await enrol(await loginAs(t.app, 'tess'));
    const agent = await passwordStep(t.app, 'tess');
    const since = await lastId();
    for (let i = 0; i < MAX_FAILURES; i += 1) expect((await submitCode(agent, wrongCodeFor(secret, 1))).status).toBe(422);
    expect((await submitCode(agent, codeFor(secret, 1))).status).toBe(429);
    const reasons = (await recorded('auth.login_failed', since)).map((r) => r.summary.after.reason);
    expect(reasons).toEqual([...Array(MAX_FAILURES).fill('wrong_code'), 'throttled']);
    expect(await recorded('auth.login_succeeded', since)).toEqual([]);
  });

  test('renewing the recovery codes is recorded, and a wrong code there is user.twofa_code_failed (not a sign-in failure)', async () => {
    const id = await addUser(t.db, 'rene');
    const { secret, recoveryCodes } = await enrol(await loginAs(t.app, 'rene'));
    const rene = await passwordStep(t.app, 'rene');
    expect((await submitCode(rene, recoveryCodes[0])).status).toBe(303);
    const since = await lastId();
    const wrong = await postForm(rene, '/account/two-factor/recovery-codes', { code: wrongCodeFor(secret, 1) }, '/account/two-factor');
    expect(wrong.status).toBe(422);
    const step: number = (await t.db('totp_credentials').where({ user_id: id }).first()).last_used_step ?? 0;
    const ok = await postForm(rene, '/account/two-factor/recovery-codes', { code: codeAtStep(secret, Math.max(step + 1, Math.floor(Date.now() / 30_000))) }, '/account/two-factor');
    expect(ok.status).toBe(303);
    const codes = (await rene.get('/account/two-factor/recovery-codes')).text;

    expect((await recorded('user.twofa_code_failed', since)).map((r) => [r.actor_label, r.object_id, r.summary])).toEqual([
      ['rene', String(id), { after: { step: 'code', reason: 'wrong_code' } }],
    ]);
    expect(await recorded('auth.login_failed', since)).toEqual([]);
    expect(await recorded('auth.login_succeeded', since)).toEqual([]);
    const renewed = await recorded('user.twofa_recovery_codes_renewed', since);
    expect(renewed.map((r) => [r.actor_label, r.actor_user_id, r.object_id, r.summary])).toEqual([['rene', id, String(id), { after: { codesIssued: 10 } }]]);
    const text = await allText();
    for (const c of codes.match(/[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}/g) ?? []) expect(text).not.toContain(c);
  });

  test("another admin's reset is user.twofa_reset, by that admin, about the user", async () => {
    const id = await addUser(t.db, 'rita');
    await enrol(await loginAs(t.app, 'rita'));
    const since = await lastId();
    expect((await postForm(admin, `/users/${id}/two-factor/reset`, {}, `/users/${id}`)).status).toBe(303);
    const rows = await recorded('user.twofa_reset', since);
    expect(rows.map((r) => [r.actor_label, r.actor_user_id, r.object_type, r.object_id, r.summary])).toEqual([
      ['admin', 1, 'user', String(id), { before: { username: 'rita', twoFactor: 'on' }, after: { twoFactor: 'off' } }],
    ]);
  });

  test('the "require 2FA for admins" save is setting.changed by that admin, only when it changes', async () => {
    await addUser(t.db, 'ada', 'admin');
    const { secret } = await enrol(await loginAs(t.app, 'ada'));
    const ada = await passwordStep(t.app, 'ada');
    expect((await submitCode(ada, codeFor(secret, 1))).status).toBe(303);
    const since = await lastId();
    expect((await postForm(ada, '/settings/two-factor', { requireTwoFactorForAdmins: '1' }, '/settings')).status).toBe(303);
    expect((await postForm(ada, '/settings/two-factor', { requireTwoFactorForAdmins: '1' }, '/settings')).status).toBe(303);
    expect((await postForm(ada, '/settings/two-factor', {}, '/settings')).status).toBe(303);
    const rows = await recorded('setting.changed', since);
    expect(rows.map((r) => [r.actor_label, r.summary])).toEqual([
      ['ada', { before: { requireTwoFactorForAdmins: false }, after: { requireTwoFactorForAdmins: true } }],
      ['ada', { before: { requireTwoFactorForAdmins: true }, after: { requireTwoFactorForAdmins: false } }],
    ]);
  });
});

describe('opt-outs', () => {
  async function upload(agent: Agent, csv: string, importReason: string) {
    const _csrf = await tokenFor(agent, '/opt-outs');
    return agent.post('/opt-outs/import').field('_csrf', _csrf).field('importReason', importReason).attach('file', Buffer.from(csv), 'numbers.csv');
  }

  test('added and removed on the page: one record each, with the source, the reason and the person', async () => {
    const since = await lastId();
    expect((await postForm(member, '/opt-outs', { phone: '13900139001', reason: 'asked by phone' })).status).toBe(303);
    // Already listed: no change, no record.
    expect((await postForm(member, '/opt-outs', { phone: '13900139001', reason: 'again' })).status).toBe(303);
    expect((await postForm(admin, '/opt-outs/13900139001/remove', { reason: 'listed by mistake' }, '/opt-outs')).status).toBe(303);
    const added = await recorded('opt_out.added', since);
    expect(added.map((r) => [r.actor_label, r.actor_user_id, r.object_type, r.object_id, r.summary])).toEqual([
      ['mia', 2, 'opt_out', '13900139001', { after: { source: 'manual', reason: 'asked by phone' } }],
    ]);
    const removed = await recorded('opt_out.removed', since);
    expect(removed.map((r) => [r.actor_label, r.object_id, r.summary])).toEqual([['admin', '13900139001', { after: { source: 'manual', reason: 'listed by mistake' } }]]);
  });

  test('an import is ONE record with its counts, not one per number', async () => {
    await postForm(member, '/opt-outs', { phone: '13900139010', reason: 'first' });
    const since = await lastId();
    const res = await upload(member, 'phone\n13900139010\n13900139011\n13900139012\n13900139013\n', 'campaign complaints');
    expect(res.status).toBe(303);
    const rows = await recorded('opt_out.added', since);
    expect(rows.map((r) => [r.actor_label, r.object_type, r.object_id, r.summary])).toEqual([
      ['mia', 'opt_out', null, { after: { source: 'import', reason: 'campaign complaints', numbers: 4, added: 3, already: 1 } }],
    ]);
  });

  test('a refused import (no valid number) records nothing', async () => {
    const since = await lastId();
    expect((await upload(member, 'phone\n12345\n', 'bad file')).status).toBe(422);
    expect(await recorded('opt_out.added', since)).toEqual([]);
  });

  test('a reply is added by the system, linked to the message', async () => {
    const since = await lastId();
    const id = await recordInboundMessage(t.db, { accountId: null, phone: '13900139020', text: '退订', receivedAt: new Date().toISOString() });
    const rows = await recorded('opt_out.added', since);
    expect(rows.map((r) => [r.actor_label, r.actor_user_id, r.ip, r.object_id, r.summary])).toEqual([
      ['system', null, null, '13900139020', { after: { source: 'reply', reason: '退订', inboundMessageId: id } }],
    ]);
  });

  test('through the API: the key is the actor, never the key itself', async () => {
    const { key, id: keyId } = await createApiKey(t.db, { name: 'crm', createdBy: 1 });
    const since = await lastId();
    const api = (r: request.Test) => r.set('Authorization', `Bearer ${key}`);
    expect((await api(request(t.app).post('/api/v1/opt-outs')).send({ phone: '13900139030', reason: 'CRM' })).status).toBe(201);
    expect((await api(request(t.app).delete('/api/v1/opt-outs/13900139030')).send({ reason: 'CRM undo' })).status).toBe(200);
    const added = await recorded('opt_out.added', since);
    const removed = await recorded('opt_out.removed', since);
    expect([...added, ...removed].map((r) => [r.action, r.actor_api_key_id, r.actor_user_id, r.actor_label, r.object_id, r.summary])).toEqual([
      ['opt_out.added', keyId, 1, `crm (qf_${key.slice(3, 11)}_…)`, '13900139030', { after: { source: 'api', reason: 'CRM' } }],
      ['opt_out.removed', keyId, 1, `crm (qf_${key.slice(3, 11)}_…)`, '13900139030', { after: { source: 'api', reason: 'CRM undo' } }],
    ]);
    expect(await allText()).not.toContain(key.slice(12));
  });

  test('the export is export.opt_outs with its row count', async () => {
    const total = Number((await t.db('opt_outs').count({ n: '*' }))[0].n);
    expect(total).toBeGreaterThan(0);
    const since = await lastId();
    const res = await member.get('/opt-outs/export.csv');
    expect(res.status).toBe(200);
    const rows = await recorded('export.opt_outs', since);
    expect(rows.map((r) => [r.actor_label, r.object_type, r.summary])).toEqual([['mia', 'opt_out', { after: { format: 'csv', rows: total, completed: true } }]]);
  });
});

describe('send rules settings', () => {
  test('a save records only the rules that changed, by the admin; an unchanged save records nothing', async () => {
    const fields = formFields((await admin.get('/settings')).text, '/settings/send-rules');
    const since = await lastId();
    const changed = { ...fields, quietStart: '22:30', capPerDay: '2' };
    expect((await postForm(admin, '/settings/send-rules', changed, '/settings')).status).toBe(303);
    expect((await postForm(admin, '/settings/send-rules', changed, '/settings')).status).toBe(303);
    // A refused form changes nothing and records nothing.
    expect((await postForm(admin, '/settings/send-rules', { ...changed, quietStart: '25:99' }, '/settings')).status).toBe(422);
    const rows = await recorded('setting.changed', since);
    expect(rows.map((r) => [r.actor_label, r.object_type, r.summary])).toEqual([
      ['admin', 'settings', { before: { 'sendRules.quietHours.start': '21:00', 'sendRules.frequencyCaps.perDay': 0 }, after: { 'sendRules.quietHours.start': '22:30', 'sendRules.frequencyCaps.perDay': 2 } }],
    ]);
  });
});

describe('send the rest', () => {
  test('"send the rest" of a stopped task is task.resent with rest: true, against the source task', async () => {
    const { taskId } = await seedTask(t.db, phones(6, '1377'), { userId: 2 });
    await t.db('tasks').where({ id: taskId }).update({ status: 'sending', started_at: new Date().toISOString(), lease_owner: 'x', lease_until: new Date(Date.now() + 3_600_000).toISOString() });
    const ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
    await t.db('messages').whereIn('id', ids.slice(0, 2)).update({ status: 'submitted' });
    await t.db('tasks').where({ id: taskId }).update({ submitted_count: 2 });
    expect((await postForm(member, `/tasks/${taskId}/stop`, {}, `/tasks/${taskId}`)).status).toBe(303);
    const since = await lastId();
    const res = await postForm(member, `/tasks/${taskId}/send-rest`, {}, `/tasks/${taskId}`);
    expect(res.status).toBe(303);
    const rows = await recorded('task.resent', since);
    expect(rows.map((r) => [r.actor_label, r.object_type, r.object_id])).toEqual([['mia', 'task', taskId]]);
    expect(rows[0].summary.after).toEqual({ draft: res.headers.location.split('/')[2], statuses: 'cancelled', rest: true, recipients: 4, skipped: 0 });
  });
});
