import { loginAs, fieldError, flashText, inputValue, postForm, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { postSendForm, sendFormApp, TWO_VARS } from '../helpers/send-form';
import { FakeTencent } from '../helpers/fake-tencent';
import { FakeAliyun } from '../helpers/fake-aliyun';
import { saveRoutes } from '../../src/queries/carrier-routes.queries';
import { createAccount } from '../../src/services/carriers.service';
import { findMapping } from '../../src/queries/carrier-mappings.queries';
import { approvedTemplate } from '../helpers/catalogue';
import request from 'supertest';
import { createApiKey } from '../../src/services/api-keys.service';
import { sealSecrets } from '../../src/secrets/secret-box';

let t: TestApp;
let member: Agent;
let admin: Agent;
let sigId: number;
let plainId: number;
let twoVarsId: number;
let stubId: number;
let txId: number;
let fake: FakeTencent;

beforeAll(async () => {
  ({ t, member, sigId, plainId, twoVarsId } = await sendFormApp());
  admin = await loginAs(t.app, 'admin');
  fake = await new FakeTencent().start();
  stubId = (await t.db('carrier_accounts').where({ name: 'Built-in simulator' }).first('id')).id;
  const created = await createAccount(t.db, t.config.secretKey, {
    name: 'tx', kind: 'tencent', password: undefined,
    settings: { endpoint: fake.url, region: 'ap-guangzhou', sdk_app_id: fake.sdkAppId, project_id: '', poll_seconds: 30 },
    cloudSecrets: { secret_id: fake.secretId, secret_key: fake.secretKey },
  });
  if (!created.ok) throw new Error('account');
  txId = created.id;
});
afterAll(async () => {
  await fake.close();
  await t.close();
});

const routeNotificationTo = (id: number) =>
  saveRoutes(t.db, { verification: { primary: stubId, fallback: null }, notification: { primary: id, fallback: null }, marketing: { primary: stubId, fallback: null } });

async function draft(templateId: number): Promise<string> {
  const res = await postSendForm(member, { smsType: 'notification', signatureId: String(sigId), templateId: String(templateId), recipientsMode: 'manual', sendMode: 'now', manualNumbers: '13800138000' });
  expect(res.status).toBe(303);
  return (res.headers.location as string).split('/')[2];
}

async function confirm(id: string) {
  const _csrf = await tokenFor(member, `/tasks/${id}/check`);
  return member.post(`/tasks/${id}/confirm`).type('form').send({ _csrf });
}

test('a task whose template has no provider template on its cloud account is refused at the check, naming both', async () => {
  await routeNotificationTo(txId);
  const id = await draft(plainId);
  // Said on the check page already, before the confirm is tried.
  const check = await member.get(`/tasks/${id}/check`);
  expect(check.status).toBe(200);
  expect(check.text).toContain('the account &#34;tx&#34; has no provider template for &#34;plain&#34;');
  const res = await confirm(id);
  expect(res.status).toBe(422);
  expect(res.text).toContain('Not confirmed: the account &#34;tx&#34; has no provider template for &#34;plain&#34;.');
  expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');

  // Mapped on the template's mapping page: the same draft goes through.
  const saved = await postForm(admin, `/templates/${plainId}/mappings`, { account_id: String(txId), provider_ref: '1234567', param_names: '' }, `/templates/${plainId}/mappings`);
  expect(saved.status).toBe(303);
  const confirmed = await confirm(id);
  expect(confirmed.status).toBe(303);
  // The confirm gives the draft its task id.
  const taskId = confirmed.headers.location.split('/')[2];
  expect((await t.db('tasks').where({ id: taskId }).first()).carrier_account_id).toBe(txId);
  await routeNotificationTo(stubId);
});

test('the simulator needs no mapping', async () => {
  await routeNotificationTo(stubId);
  const unmapped = await approvedTemplate(t.db, '今天停水，请提前储水。', 'notification', 'unmapped');
  expect((await confirm(await draft(unmapped))).status).toBe(303);
});

test('the mapping page: admins only, linked from the template page, a bad value is 422 with the input kept', async () => {
  expect((await member.get(`/templates/${plainId}/mappings`)).status).toBe(403);
  expect((await admin.get(`/templates/${plainId}`)).text).toContain(`/templates/${plainId}/mappings`);
  const page = await admin.get(`/templates/${plainId}/mappings`);
  expect(page.status).toBe(200);
  expect(inputValue(page.text, 'provider_ref')).toBe('1234567');
  const bad = await postForm(admin, `/templates/${plainId}/mappings`, { account_id: String(txId), provider_ref: 'x'.repeat(200) }, `/templates/${plainId}/mappings`);
  expect(bad.status).toBe(422);
  expect(fieldError(bad.text, `m${txId}_provider_ref`)).toBe('At most 128 characters.');
  expect(bad.text).toContain('x'.repeat(200));
  const wrongAccount = await postForm(admin, `/templates/${plainId}/mappings`, { account_id: String(stubId), provider_ref: '1' }, `/templates/${plainId}/mappings`);
  expect(wrongAccount.status).toBe(422);
  // Signatures have the same page.
  expect((await postForm(admin, `/signatures/${sigId}/mappings`, { account_id: String(txId), provider_ref: '腾讯云科技' }, `/signatures/${sigId}/mappings`)).status).toBe(303);
  expect((await findMapping(t.db, txId, 'signature', '腾讯云'))?.providerRef).toBe('腾讯云科技');
});

test('fetch from provider: a template with the same text is found; a different variable count is flagged', async () => {
  fake.templates = [
    { TemplateId: 555, TemplateName: 'other', TemplateContent: '别的内容', StatusCode: 0 },
    { TemplateId: 777, TemplateName: 'two', TemplateContent: TWO_VARS, StatusCode: 0 },
  ];
  const res = await postForm(admin, `/templates/${twoVarsId}/mappings/${txId}/fetch`, {}, `/templates/${twoVarsId}/mappings`);
  expect(res.status).toBe(303);
  const mapping = await findMapping(t.db, txId, 'template', 'two vars');
  expect(mapping).toMatchObject({ providerRef: '777', mismatch: null });

  // The provider's template 777 changes to one variable: fetching again flags it.
  fake.templates[1].TemplateContent = '您好{1}';
  await postForm(admin, `/templates/${twoVarsId}/mappings/${txId}/fetch`, {}, `/templates/${twoVarsId}/mappings`);
  expect(await findMapping(t.db, txId, 'template', 'two vars')).toMatchObject({ providerRef: '777', mismatch: 'variables', providerText: '您好{1}' });
  const page = await admin.get(`/templates/${twoVarsId}/mappings`);
  expect(page.text).toContain('data-mismatch="variables"');
  expect(flashText(page.text) ?? '').toContain('does not match');
});

test('through the API too: a task for an unmapped template is refused with 422 on its template field', async () => {
  await routeNotificationTo(txId);
  const { key } = await createApiKey(t.db, { name: 'cloud', createdBy: 1 });
  const unmapped = await approvedTemplate(t.db, '明天停电，请做好准备。', 'notification', 'api unmapped');
  const res = await request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send({ signature: sigId, template: unmapped, recipients: [{ phone: '13800138009' }] });
  expect(res.status).toBe(422);
  expect(JSON.stringify(res.body)).toContain('has no provider template for');
  expect(JSON.stringify(res.body)).toContain('"template"');
  await routeNotificationTo(stubId);
});

test('fetch from provider when the provider refuses or the credentials cannot be opened: 422 with the reason, never a 500', async () => {
  fake.throttleNextCalls = 1;
  const refused = await postForm(admin, `/templates/${twoVarsId}/mappings/${txId}/fetch`, {}, `/templates/${twoVarsId}/mappings`);
  expect(refused.status).toBe(422);
  expect(refused.text).toContain('Could not fetch from tx: TENCENT:RequestLimitExceeded.');
  const box = (await t.db('carrier_accounts').where({ id: txId }).first()).secrets;
  await t.db('carrier_accounts').where({ id: txId }).update({ secrets: sealSecrets(Buffer.alloc(32, 1), { secret_id: 'x', secret_key: 'y' }) });
  const unreadable = await postForm(admin, `/templates/${twoVarsId}/mappings/${txId}/fetch`, {}, `/templates/${twoVarsId}/mappings`);
  expect(unreadable.status).toBe(422);
  expect(unreadable.text).toContain('Could not fetch from tx: SECRETS.');
  await t.db('carrier_accounts').where({ id: txId }).update({ secrets: box });
  expect((await postForm(admin, `/templates/abc/mappings`, { account_id: String(txId), provider_ref: '1' }, `/templates/${twoVarsId}/mappings`)).status).toBe(404);
  expect((await postForm(admin, `/templates/${twoVarsId}/mappings/${stubId}/fetch`, {}, `/templates/${twoVarsId}/mappings`)).status).toBe(404);
});

test('fetch from provider for a signature (Alibaba lists its approved ones): found is mapped, missing is a 422', async () => {
  const ali = await new FakeAliyun().start();
  try {
    const created = await createAccount(t.db, t.config.secretKey, {
      name: 'ali', kind: 'aliyun', password: undefined, cloudSecrets: { access_key_id: ali.accessKeyId, access_key_secret: ali.accessKeySecret },
      settings: { endpoint: ali.url, region: '', sdk_app_id: '', project_id: '', poll_seconds: 30 },
    });
    if (!created.ok) throw new Error('account');
    const page = await admin.get(`/signatures/${sigId}/mappings`);
    expect(page.text).toContain(`/signatures/${sigId}/mappings/${created.id}/fetch`);
    expect(page.text).not.toContain(`/signatures/${sigId}/mappings/${txId}/fetch`);
    ali.signs = [{ SignName: '别的签名', AuditStatus: 'AUDIT_STATE_PASS' }, { SignName: '腾讯云', AuditStatus: 'AUDIT_STATE_NOT_PASS' }];
    const missing = await postForm(admin, `/signatures/${sigId}/mappings/${created.id}/fetch`, {}, `/signatures/${sigId}/mappings`);
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('【腾讯云】 is not among the approved signatures of ali.');
    ali.signs[1].AuditStatus = 'AUDIT_STATE_PASS';
    expect((await postForm(admin, `/signatures/${sigId}/mappings/${created.id}/fetch`, {}, `/signatures/${sigId}/mappings`)).status).toBe(303);
    expect((await findMapping(t.db, created.id, 'signature', '腾讯云'))?.providerRef).toBe('腾讯云');
  } finally {
    await ali.close();
  }
});
