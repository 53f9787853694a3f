/**
 * Each family of recorded actions (issue 14): the change made through its page (or the API) leaves one record with
 * the actor, the IP, the object and a before/after summary, and never a secret.
 */
import request from 'supertest';
import { formFields, PASSWORD, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { appWithAdminAndMember, auditReaders, type AuditRow } from '../helpers/audit';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { phones, seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { checkRecipients } from '../../src/sms/recipient-check';
import { createDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { applyCarriersFile } from '../../src/services/carriers-file.service';

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  ({ t, admin, member } = await appWithAdminAndMember());
});
afterAll(() => t.close());

const { recorded, lastId, allText } = auditReaders(() => t.db);

describe('sign-in', () => {
  test('a success and each kind of failure are recorded with the name typed, the IP and the reason', async () => {
    const since = await lastId();
    const agent = request.agent(t.app);
    const login = async (username: string, password: string) => {
      const _csrf = await tokenFor(agent);
      return agent.post('/login').type('form').send({ username, password, _csrf });
    };
    expect((await login('mia', 'wrong password')).status).toBe(422);
    expect((await login('nobody', PASSWORD)).status).toBe(422);
    expect((await login('MIA', PASSWORD)).status).toBe(303);

    const failed = await recorded('auth.login_failed', since);
    expect(failed.map((r) => [r.actor_label, r.actor_user_id, r.summary.after.reason])).toEqual([
      ['mia', 2, 'wrong_password'],
      ['nobody', null, 'unknown_user'],
    ]);
    expect(failed[0].ip).toMatch(/127\.0\.0\.1/);
    const [ok] = await recorded('auth.login_succeeded', since);
    expect(ok).toMatchObject({ actor_label: 'mia', actor_user_id: 2, object_type: 'user', object_id: '2' });
    expect(await allText()).not.toContain('wrong password');
    expect(await allText()).not.toContain(PASSWORD);
  });

  test('a throttled guess is recorded as a failure too', async () => {
    const since = await lastId();
    const agent = request.agent(t.app);
    for (let i = 0; i < 6; i += 1) {
      const _csrf = await tokenFor(agent);
      await agent.post('/login').type('form').send({ username: 'ghost', password: 'x', _csrf });
    }
    const reasons = (await recorded('auth.login_failed', since)).map((r) => r.summary.after.reason);
    expect(reasons).toEqual([...Array(5).fill('unknown_user'), 'throttled']);
  });
});

describe('users', () => {
  test('create, role change, password reset, disable and enable, each with its actor and summary', async () => {
    const since = await lastId();
    expect((await postForm(admin, '/users', { username: 'Zoe', role: 'member', password: 'zoe-secret-1234', passwordConfirm: 'zoe-secret-1234' }, '/users/new')).status).toBe(303);
    const id = (await t.db('users').where({ username: 'zoe' }).first()).id as number;
    await postForm(admin, `/users/${id}/role`, { role: 'admin' }, `/users/${id}`);
    await postForm(admin, `/users/${id}/password`, { password: 'zoe-new-secret-99', passwordConfirm: 'zoe-new-secret-99' }, `/users/${id}`);
    await postForm(admin, `/users/${id}/disable`, {}, `/users/${id}`);
    await postForm(admin, `/users/${id}/enable`, {}, `/users/${id}`);

    const rows = (await t.db('audit_records').where('id', '>', since).where('action', 'like', 'user.%').orderBy('id')) as AuditRow[];
    expect(rows.map((r) => [r.action, r.actor_label, r.actor_user_id, r.object_type, r.object_id])).toEqual([
      ['user.created', 'admin', 1, 'user', String(id)],
      ['user.role_changed', 'admin', 1, 'user', String(id)],
      ['user.password_reset', 'admin', 1, 'user', String(id)],
      ['user.disabled', 'admin', 1, 'user', String(id)],
      ['user.enabled', 'admin', 1, 'user', String(id)],
    ]);
    expect(JSON.parse(rows[0].summary!)).toEqual({ after: { username: 'zoe', role: 'member' } });
    expect(JSON.parse(rows[1].summary!)).toEqual({ before: { username: 'zoe', role: 'member' }, after: { role: 'admin' } });
    const text = await allText();
    expect(text).not.toContain('zoe-secret-1234');
    expect(text).not.toContain('zoe-new-secret-99');
    expect(text).not.toContain('argon2');
  });

  test('a refused change (the last admin demoting itself) records nothing', async () => {
    const since = await lastId();
    await t.db('users').where({ username: 'zoe' }).update({ role: 'member' });
    expect((await postForm(admin, '/users/1/role', { role: 'member' }, '/users/1')).status).toBe(303);
    expect(await recorded('user.role_changed', since)).toEqual([]);
  });
});

describe('signatures and templates', () => {
  test('create, edit, reject, approve and disable are recorded with what changed', async () => {
    const since = await lastId();
    await postForm(member, '/signatures', { name: '审计测试' }, '/signatures/new');
    const sig = (await t.db('signatures').where({ name: '审计测试' }).first()).id as number;
    await postForm(member, `/signatures/${sig}`, { name: '审计测试二' }, `/signatures/${sig}/edit`);
    await postForm(admin, `/signatures/${sig}/reject`, { reason: '不是品牌名' }, `/signatures/${sig}`);
    await postForm(member, '/templates', { name: 'audit tpl', smsType: 'notification', content: '您的订单已发货。' }, '/templates/new');
    const tpl = (await t.db('templates').where({ name: 'audit tpl' }).first()).id as number;
    await postForm(admin, `/templates/${tpl}/approve`, {}, `/templates/${tpl}`);
    await postForm(admin, `/templates/${tpl}/disable`, {}, `/templates/${tpl}`);

    const rows = (await t.db('audit_records').where('id', '>', since).orderBy('id')) as AuditRow[];
    const summary = (i: number) => JSON.parse(rows[i].summary!);
    expect(rows.map((r) => [r.action, r.actor_label, r.object_type])).toEqual([
      ['signature.created', 'mia', 'signature'],
      ['signature.edited', 'mia', 'signature'],
      ['signature.rejected', 'admin', 'signature'],
      ['template.created', 'mia', 'template'],
      ['template.approved', 'admin', 'template'],
      ['template.disabled', 'admin', 'template'],
    ]);
    expect(summary(1)).toEqual({ before: { name: '审计测试', status: 'pending' }, after: { name: '审计测试二', status: 'pending' } });
    expect(summary(2)).toEqual({ before: { name: '审计测试二', status: 'pending' }, after: { status: 'rejected', reason: '不是品牌名' } });
    expect(summary(3).after).toEqual({ name: 'audit tpl', sms_type: 'notification', content: '您的订单已发货。' });
    expect(summary(5)).toEqual({ before: { name: 'audit tpl', status: 'approved' }, after: { status: 'disabled' } });
  });
});

describe('settings, carriers and routing', () => {
  test('a settings save records only the fields that changed; saving again unchanged records nothing', async () => {
    const since = await lastId();
    const page = await admin.get('/settings');
    const fields = formFields(page.text, '/settings');
    await postForm(admin, '/settings', { ...fields, scheduleHorizonDays: '45', auditRetentionDays: '400' }, '/settings');
    await postForm(admin, '/settings', { ...fields, scheduleHorizonDays: '45', auditRetentionDays: '400' }, '/settings');
    const rows = await recorded('setting.changed', since);
    expect(rows).toHaveLength(1);
    expect(rows[0].summary).toEqual({ before: { scheduleHorizonDays: 30, auditRetentionDays: 365 }, after: { scheduleHorizonDays: 45, auditRetentionDays: 400 } });
  });

  test('carrier accounts and routing: the password is never recorded, only that one was given', async () => {
    const since = await lastId();
    const smpp = {
      name: 'audit-smsc', kind: 'smpp', host: 'smsc.example.net', port: '2775', system_id: 'qunfa', password: 'pw-9x7', system_type: '',
      bind_mode: 'transceiver', source_addr: 'Qunfa', source_ton: '5', source_npi: '0', dest_ton: '1', dest_npi: '1', window: '10', tps: '50',
      enquire_link_seconds: '30', long_message_mode: 'udh', receipt_id_format: 'as_is',
    };
    expect((await postForm(admin, '/carriers', smpp, '/carriers/new')).status).toBe(303);
    const id = (await t.db('carrier_accounts').where({ name: 'audit-smsc' }).first()).id as number;
    await postForm(admin, `/carriers/${id}`, { ...smpp, tps: '80', password: 'pw-new1' }, `/carriers/${id}/edit`);
    const stub = (await t.db('carrier_accounts').where({ kind: 'stub' }).first()).id as number;
    await postForm(admin, '/carriers/routes', { verification_primary: String(stub), verification_fallback: '', notification_primary: String(stub), notification_fallback: '', marketing_primary: String(stub), marketing_fallback: String(id) }, '/carriers');
    await postForm(admin, '/carriers/routes', { verification_primary: String(stub), verification_fallback: '', notification_primary: String(stub), notification_fallback: '', marketing_primary: String(stub), marketing_fallback: '' }, '/carriers');
    await postForm(admin, `/carriers/${id}/disable`, {}, '/carriers');
    await postForm(admin, `/carriers/${id}/delete`, {}, '/carriers');

    const [created] = await recorded('carrier.created', since);
    expect(created.summary.after).toMatchObject({ name: 'audit-smsc', kind: 'smpp', passwordSet: true });
    expect(created.summary.after.settings).toMatchObject({ host: 'smsc.example.net', system_id: 'qunfa' });
    const [edited] = await recorded('carrier.edited', since);
    expect(edited.summary).toEqual({ before: { name: 'audit-smsc', settings: expect.objectContaining({ tps: 50 }) }, after: { settings: expect.objectContaining({ tps: 80 }), passwordChanged: true } });
    const routes = await recorded('carrier.routes_changed', since);
    expect(routes.map((r) => r.summary)).toEqual([
      { before: { marketing: 'Built-in simulator' }, after: { marketing: 'Built-in simulator → audit-smsc' } },
      { before: { marketing: 'Built-in simulator → audit-smsc' }, after: { marketing: 'Built-in simulator' } },
    ]);
    expect((await recorded('carrier.disabled', since)).map((r) => r.object_id)).toEqual([String(id)]);
    expect((await recorded('carrier.deleted', since))[0].summary.before).toMatchObject({ name: 'audit-smsc' });
    const text = await allText();
    expect(text).not.toContain('pw-9x7');
    expect(text).not.toContain('pw-new1');
  });

  test('a CARRIERS_FILE applied at start is recorded as the system, with no password', async () => {
    const since = await lastId();
    await applyCarriersFile(t.db, t.config.secretKey, {
      accounts: [{ path: 'accounts[0]', name: 'file-smsc', kind: 'smpp', enabled: true, password: 'file-pw-77', settings: { host: 'h', port: 2775, system_id: 's' } as never }],
      routes: {},
      mappings: [],
    } as never);
    const [row] = await recorded('carrier.file_applied', since);
    expect(row).toMatchObject({ actor_label: 'system', actor_user_id: null, ip: null });
    expect(row.summary.after.accounts).toEqual([{ name: 'file-smsc', kind: 'smpp', enabled: true, passwordGiven: true }]);
    expect(await allText()).not.toContain('file-pw-77');
  });
});

describe('API keys', () => {
  test('create and revoke are recorded with the name and prefix, never the key', async () => {
    const since = await lastId();
    const res = await postForm(admin, '/api-keys', { name: 'CRM' });
    // The new key is shown once, on the page the create redirects to.
    const key = /qf_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/.exec((await admin.get(res.headers.location)).text)![0];
    const id = (await t.db('api_keys').where({ name: 'CRM' }).first()).id as number;
    await postForm(admin, `/api-keys/${id}/revoke`, {}, '/api-keys');
    await postForm(admin, `/api-keys/${id}/revoke`, {}, '/api-keys');
    const [created] = await recorded('api_key.created', since);
    expect(created.summary).toEqual({ after: { name: 'CRM', prefix: key.slice(3, 11) } });
    expect(await recorded('api_key.revoked', since)).toHaveLength(1);
    expect(await allText()).not.toContain(key.slice(12));
  });
});

describe('tasks', () => {
  const later = () => new Date(Date.now() + 3_600_000);

  test('confirm (from the check page), cancel and stop are recorded with the task', async () => {
    const since = await lastId();
    const user = (await findUserById(t.db, 2))!;
    const signature = (await findSignature(t.db, await approvedSignature(t.db, '审计任务', 2)))!;
    const template = (await findTemplate(t.db, await approvedTemplate(t.db, '您的快递已到。', 'notification', 'audit task', 2)))!;
    const report = checkRecipients(phones(3).map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
    const draft = await createDraft(t.db, { user, signature, template, sendMode: 'scheduled', sendAt: later(), source: 'manual', fileName: null, report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai' });
    const confirm = await postForm(member, `/tasks/${draft}/confirm`, {}, `/tasks/${draft}/check`);
    expect(confirm.status).toBe(303);
    // The confirm gives the draft its task id.
    const taskId = confirm.headers.location.split('/')[2];
    expect((await postForm(member, `/tasks/${taskId}/cancel`, {}, `/tasks/${taskId}`)).status).toBe(303);
    const { taskId: sending } = await seedTask(t.db, phones(2, '1391'), { userId: 2 });
    await t.db('tasks').where({ id: sending }).update({ status: 'sending', lease_owner: 'x', lease_until: later().toISOString() });
    await postForm(admin, `/tasks/${sending}/stop`, {}, `/tasks/${sending}`);

    const [confirmed] = (await recorded('task.confirmed', since)).filter((r) => r.object_id === taskId);
    expect(confirmed).toMatchObject({ actor_label: 'mia', object_type: 'task' });
    expect(confirmed.summary.after).toMatchObject({ recipients: 3, sendMode: 'scheduled', signature: '审计任务', template: 'audit task' });
    expect((await recorded('task.cancelled', since)).map((r) => [r.actor_label, r.object_id])).toEqual([['mia', taskId]]);
    expect((await recorded('task.stopped', since)).map((r) => [r.actor_label, r.object_id, r.summary.before.status])).toEqual([['admin', sending, 'sending']]);
  });

  test('resend to failed is recorded against the source task, and its draft is named', async () => {
    const { taskId } = await seedTask(t.db, [...numbersWithOutcome(2, '0001'), ...numbersWithOutcome(1, '0000', '139')], { userId: 2 });
    await runDueTasks(t.db);
    const since = await lastId();
    const res = await postForm(member, `/tasks/${taskId}/resend`, {}, `/tasks/${taskId}`);
    expect(res.status).toBe(303);
    const [row] = await recorded('task.resent', since);
    expect(row).toMatchObject({ actor_label: 'mia', object_type: 'task', object_id: taskId });
    expect(row.summary.after).toMatchObject({ statuses: 'failed', recipients: 2, draft: res.headers.location.split('/')[2] });
  });

  test('a task created through the API is recorded with the API key as the actor', async () => {
    const res = await postForm(admin, '/api-keys', { name: 'shop' });
    const key = /qf_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/.exec((await admin.get(res.headers.location)).text)![0];
    const keyId = (await t.db('api_keys').where({ name: 'shop' }).first()).id as number;
    const sig = await approvedSignature(t.db, 'API审计');
    const tpl = await approvedTemplate(t.db, '您的快递已到，请及时取件。', 'notification', 'api audit');
    const since = await lastId();
    const created = await request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send({ signature: sig, template: tpl, recipients: [{ phone: '13800138000' }] });
    expect(created.status).toBe(201);
    const [row] = await recorded('task.confirmed', since);
    expect(row).toMatchObject({ actor_api_key_id: keyId, actor_user_id: 1, actor_label: `shop (qf_${key.slice(3, 11)}_…)`, object_id: created.body.task.id });
    expect(row.summary.after.source).toBe('api');
  });
});

describe('exports', () => {
  test('each task export is recorded with its format, filter and row count', async () => {
    const { taskId } = await seedTask(t.db, phones(5, '1392'), { userId: 2 });
    const since = await lastId();
    expect((await member.get(`/tasks/${taskId}/messages.csv`)).status).toBe(200);
    expect((await admin.get(`/tasks/${taskId}/messages.xlsx?status=pending&mask=1`)).status).toBe(200);
    expect((await member.get(`/tasks/${taskId}/messages.csv?phone=1392`)).status).toBe(200);
    const rows = await recorded('export.task_messages', since);
    expect(rows.map((r) => [r.actor_label, r.object_id, r.summary.after])).toEqual([
      ['mia', taskId, { format: 'csv', filter: {}, masked: false, rows: 5, completed: true }],
      ['admin', taskId, { format: 'xlsx', filter: { status: 'pending' }, masked: true, rows: 5, completed: true }],
      ['mia', taskId, { format: 'csv', filter: { phone: '1392' }, masked: false, rows: 5, completed: true }],
    ]);
  });

  test('the invalid rows export is recorded with its row count', async () => {
    const user = (await findUserById(t.db, 2))!;
    const signature = (await findSignature(t.db, await approvedSignature(t.db, '无效行', 2)))!;
    const template = (await findTemplate(t.db, await approvedTemplate(t.db, '您好。', 'notification', 'invalid rows', 2)))!;
    const report = checkRecipients(['13800138000', '123', 'abc'].map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
    const draft = await createDraft(t.db, { user, signature, template, sendMode: 'now', sendAt: null, source: 'manual', fileName: null, report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai' });
    const since = await lastId();
    expect((await member.get(`/tasks/${draft}/invalid-rows.csv`)).status).toBe(200);
    const [row] = await recorded('export.invalid_rows', since);
    expect(row).toMatchObject({ actor_label: 'mia', object_id: draft });
    expect(row.summary.after).toEqual({ format: 'csv', rows: 2 });
  });
});
