import { addUser, fieldError, inputValue, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { openSecrets } from '../../src/secrets/secret-box';

let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
});
afterAll(() => t.close());

const tencent = (over: Record<string, string> = {}) => ({
  name: 'tx', kind: 'tencent', tencent_secret_id: 'AKIDexample', tencent_secret_key: 'keyexample', tencent_sdk_app_id: '1400000001',
  tencent_endpoint: '', tencent_region: '', tencent_poll_seconds: '', ...over,
});

test('a Tencent account: settings stored with their defaults, both credentials and a callback token sealed, none rendered', async () => {
  const res = await postForm(admin, '/carriers', tencent(), '/carriers/new');
  expect(res.status).toBe(303);
  const row = await t.db('carrier_accounts').where({ name: 'tx' }).first();
  expect(row.kind).toBe('tencent');
  expect(JSON.parse(row.settings)).toEqual({ endpoint: 'https://sms.tencentcloudapi.com', region: 'ap-guangzhou', sdk_app_id: '1400000001', project_id: '', poll_seconds: 30 });
  const secrets = openSecrets(t.config.secretKey, row.secrets);
  expect(secrets).toMatchObject({ secret_id: 'AKIDexample', secret_key: 'keyexample' });
  expect(secrets.callback_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(row.settings).not.toContain('keyexample');

  const list = await admin.get('/carriers');
  expect(list.text).toContain(`/carrier-callbacks/${row.id}/${secrets.callback_token}`);
  const edit = await admin.get(`/carriers/${row.id}/edit`);
  expect(edit.text).not.toContain('keyexample');
  expect(edit.text).not.toContain('AKIDexample');
  expect(inputValue(edit.text, 'tencent_sdk_app_id')).toBe('1400000001');

  // Edit with the credentials left empty: kept, and the token too.
  expect((await postForm(admin, `/carriers/${row.id}`, tencent({ tencent_secret_id: '', tencent_secret_key: '', tencent_poll_seconds: '60' }), `/carriers/${row.id}/edit`)).status).toBe(303);
  const after = await t.db('carrier_accounts').where({ id: row.id }).first();
  expect(openSecrets(t.config.secretKey, after.secrets)).toEqual(secrets);
  expect(JSON.parse(after.settings).poll_seconds).toBe(60);
});

test('a bad cloud form is 422 with field messages and the input kept (never the secrets)', async () => {
  const res = await postForm(admin, '/carriers', tencent({ name: 'tx2', tencent_sdk_app_id: '', tencent_secret_key: '', tencent_endpoint: 'ftp://x', tencent_poll_seconds: '2', tencent_secret_id: 'AKIDkept' }), '/carriers/new');
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'tencent_sdk_app_id')).toBe('Required.');
  expect(fieldError(res.text, 'tencent_secret_key')).toBe('Required.');
  expect(fieldError(res.text, 'tencent_endpoint')).toBeTruthy();
  expect(fieldError(res.text, 'tencent_poll_seconds')).toBe('A whole number from 5 to 3600.');
  expect(inputValue(res.text, 'tencent_endpoint')).toBe('ftp://x');
  expect(res.text).not.toContain('AKIDkept');
  expect(await t.db('carrier_accounts').where({ name: 'tx2' }).first()).toBeUndefined();
});

test('Alibaba and UCloud accounts take their own keys', async () => {
  expect((await postForm(admin, '/carriers', { name: 'ali', kind: 'aliyun', aliyun_access_key_id: 'LTAIx', aliyun_access_key_secret: 'sec', aliyun_endpoint: 'http://127.0.0.1:9/', aliyun_poll_seconds: '' }, '/carriers/new')).status).toBe(303);
  expect((await postForm(admin, '/carriers', { name: 'uc', kind: 'ucloud', ucloud_public_key: 'pub', ucloud_private_key: 'priv', ucloud_project_id: 'org-1', ucloud_endpoint: '', ucloud_poll_seconds: '10' }, '/carriers/new')).status).toBe(303);
  const ali = await t.db('carrier_accounts').where({ name: 'ali' }).first();
  const uc = await t.db('carrier_accounts').where({ name: 'uc' }).first();
  expect(JSON.parse(ali.settings)).toMatchObject({ endpoint: 'http://127.0.0.1:9', poll_seconds: 30 });
  expect(openSecrets(t.config.secretKey, ali.secrets)).toMatchObject({ access_key_id: 'LTAIx', access_key_secret: 'sec' });
  expect(JSON.parse(uc.settings)).toMatchObject({ endpoint: 'https://api.ucloud.cn', project_id: 'org-1', poll_seconds: 10 });
  expect(openSecrets(t.config.secretKey, uc.secrets)).toMatchObject({ public_key: 'pub', private_key: 'priv' });
});

test('new credentials clear the reason a provider refusal left; an edit without them keeps it', async () => {
  const row = await t.db('carrier_accounts').where({ name: 'tx' }).first();
  await t.db('carrier_accounts').where({ id: row.id }).update({ state: 'down', last_error: 'TENCENT:AuthFailure.SignatureFailure' });
  expect((await admin.get('/carriers')).text).toContain('Tencent Cloud refused the request signature');
  await postForm(admin, `/carriers/${row.id}`, tencent({ tencent_secret_id: '', tencent_secret_key: '' }), `/carriers/${row.id}/edit`);
  expect((await t.db('carrier_accounts').where({ id: row.id }).first()).last_error).toBe('TENCENT:AuthFailure.SignatureFailure');
  await postForm(admin, `/carriers/${row.id}`, tencent({ tencent_secret_id: '', tencent_secret_key: 'fixed-key' }), `/carriers/${row.id}/edit`);
  const after = await t.db('carrier_accounts').where({ id: row.id }).first();
  expect(after).toMatchObject({ state: 'down', last_error: null });
  expect(openSecrets(t.config.secretKey, after.secrets)).toMatchObject({ secret_id: 'AKIDexample', secret_key: 'fixed-key' });
});
