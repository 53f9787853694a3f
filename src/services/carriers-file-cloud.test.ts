import { useCarriersFileFixture } from '../../test/helpers/carriers-file';
import { openSecrets } from '../secrets/secret-box';
import { loadCarriersFile } from './carriers-file.service';
import { findMapping } from '../queries/carrier-mappings.queries';
import { mappingRefusal } from './carrier-mappings.service';

const fx = useCarriersFileFixture();
const { key, write } = fx;

// The issue's own examples, key for key.
const tx = { name: 'tx', kind: 'tencent', secret_id: 'AKIDx', secret_key: 'skey', sdk_app_id: '1400000001', endpoint: 'https://sms.tencentcloudapi.com', poll_seconds: 20 };
const ali = { name: 'ali', kind: 'aliyun', access_key_id: 'LTAIx', access_key_secret: 'asecret', endpoint: 'https://dysmsapi.aliyuncs.com' };
const uc = { name: 'uc', kind: 'ucloud', public_key: 'pub', private_key: 'priv', project_id: 'org-1', endpoint: 'https://api.ucloud.cn' };

test('the three cloud kinds with the keys the README documents; credentials sealed, settings stored', async () => {
  await loadCarriersFile(fx.db, key, write({ accounts: [tx, ali, uc], routes: { notification: 'tx' } }));
  const rows = Object.fromEntries((await fx.db('carrier_accounts').select()).map((r) => [r.name, r]));
  expect(JSON.parse(rows.tx.settings)).toEqual({ endpoint: 'https://sms.tencentcloudapi.com', region: 'ap-guangzhou', sdk_app_id: '1400000001', project_id: '', poll_seconds: 20 });
  expect(openSecrets(key, rows.tx.secrets)).toMatchObject({ secret_id: 'AKIDx', secret_key: 'skey' });
  expect(openSecrets(key, rows.ali.secrets)).toMatchObject({ access_key_id: 'LTAIx', access_key_secret: 'asecret' });
  expect(openSecrets(key, rows.uc.secrets)).toMatchObject({ public_key: 'pub', private_key: 'priv' });
  expect(JSON.parse(rows.uc.settings).project_id).toBe('org-1');
  // Applied again without the secret: the stored one and the callback token are kept.
  const token = openSecrets(key, rows.tx.secrets).callback_token;
  const { secret_key: _dropped, ...withoutSecret } = tx;
  await loadCarriersFile(fx.db, key, write({ accounts: [withoutSecret] }));
  const again = await fx.db('carrier_accounts').where({ name: 'tx' }).first();
  expect(openSecrets(key, again.secrets)).toMatchObject({ secret_key: 'skey', callback_token: token });
});

test.each([
  ['a new account without its secret', { accounts: [{ ...ali, access_key_secret: undefined }] }, 'CARRIERS_FILE: accounts[0].access_key_secret is required for a new aliyun account'],
  ['an SMPP key on a cloud kind', { accounts: [{ ...tx, host: 'x' }] }, /^CARRIERS_FILE: accounts\[0\]\.host is not a known key for kind tencent/],
  ['a Tencent account without its app id', { accounts: [{ ...tx, sdk_app_id: undefined }] }, 'CARRIERS_FILE: accounts[0].sdk_app_id is required'],
  ['poll_seconds as a string', { accounts: [{ ...tx, poll_seconds: '20' }] }, 'CARRIERS_FILE: accounts[0].poll_seconds must be a whole number from 5 to 3600'],
  ['a mapping naming no account', { mappings: [{ account: 'nope', template: 'a', provider_template: '1' }] }, 'CARRIERS_FILE: mappings[0].account names no account: "nope"'],
  ['a mapping on a non-cloud account', { mappings: [{ account: 'Built-in simulator', template: 'a', provider_template: '1' }] }, /is not a cloud account/],
  ['a template without its provider template', { accounts: [tx], mappings: [{ account: 'tx', template: 'a' }] }, 'CARRIERS_FILE: mappings[0].provider_template is required with template'],
])('%s is refused with one line, and nothing is written', async (_name, content, expected) => {
  const message = await fx.failure(write(content));
  if (typeof expected === 'string') expect(message).toBe(expected);
  else expect(message).toMatch(expected);
  expect(await fx.db('carrier_accounts').count({ n: '*' })).toEqual([{ n: 1 }]);
});

test('mappings are kept for names not created yet, and apply once a template with that name exists', async () => {
  await loadCarriersFile(fx.db, key, write({
    accounts: [tx],
    routes: { notification: 'tx' },
    mappings: [{ account: 'tx', template: '取件通知', provider_template: '1234567', signature: '腾讯云', provider_signature: '腾讯云科技' }],
  }));
  const account = await fx.db('carrier_accounts').where({ name: 'tx' }).first();
  expect(await findMapping(fx.db, account.id, 'template', '取件通知')).toMatchObject({ providerRef: '1234567' });
  expect(await findMapping(fx.db, account.id, 'signature', '腾讯云')).toMatchObject({ providerRef: '腾讯云科技' });
  expect(await mappingRefusal(fx.db, { smsType: 'notification', templateName: '取件通知' })).toBeNull();
  expect(await mappingRefusal(fx.db, { smsType: 'notification', templateName: '别的模板' })).toEqual({
    key: 'tasks.errors.noProviderTemplate', params: { account: 'tx', template: '别的模板' },
  });
});
