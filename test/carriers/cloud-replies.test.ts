import { addUser, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { FakeTencent } from '../helpers/fake-tencent';
import { createAccount } from '../../src/services/carriers.service';
import { findCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { cloudCarrierFor, pullCloudReplies } from '../../src/services/cloud-carriers.service';

let t: TestApp;
let fake: FakeTencent;
let accountId: number;

beforeAll(async () => {
  t = await makeTestApp();
  fake = await new FakeTencent().start();
  const saved = await createAccount(t.db, t.config.secretKey, {
    name: 'tx', kind: 'tencent', password: undefined, cloudSecrets: { secret_id: fake.secretId, secret_key: fake.secretKey },
    settings: { endpoint: fake.url, region: 'ap-guangzhou', sdk_app_id: fake.sdkAppId, project_id: '', poll_seconds: 30 },
  });
  if (!saved.ok) throw new Error('account');
  accountId = saved.id;
});
afterAll(async () => {
  await fake.close();
  await t.close();
});

test('replies pulled from the provider are stored through recordInboundMessage, once', async () => {
  const account = (await findCarrierAccount(t.db, accountId))!;
  const carrier = cloudCarrierFor(t.db, account, t.config.secretKey);
  fake.addReply('13900000001', '退订', 1_764_900_000);
  fake.addReply('13900000002', '好的', 1_764_900_001);
  expect(await pullCloudReplies(t.db, accountId, carrier)).toBe(2);
  // The provider hands the same reply out again (a crash before it recorded our pull): not stored twice.
  fake.addReply('13900000001', '退订', 1_764_900_000);
  expect(await pullCloudReplies(t.db, accountId, carrier)).toBe(0);
  expect(await t.db('inbound_messages').orderBy('id').select('account_id', 'phone', 'text', 'received_at')).toEqual([
    { account_id: accountId, phone: '13900000001', text: '退订', received_at: new Date(1_764_900_000_000).toISOString() },
    { account_id: accountId, phone: '13900000002', text: '好的', received_at: new Date(1_764_900_001_000).toISOString() },
  ]);
});

test('a zero balance marks the account down (its messages retried later, the carrier unavailable); /carriers shows the reason in words', async () => {
  const account = (await findCarrierAccount(t.db, accountId))!;
  const carrier = cloudCarrierFor(t.db, account, t.config.secretKey);
  fake.balance = 0;
  const [result] = await carrier.cloud!.submitBatch([{ id: 1, phone: '13900000001', content: 'x', cloud: { templateCode: '1', signName: 's', params: [] } } as never]);
  expect(result).toMatchObject({ accepted: false, outcome: 'retry', code: 'TENCENT:FailedOperation.InsufficientBalanceInSmsPackage' });
  expect(carrier.available()).toBe(false);
  const row = await t.db('carrier_accounts').where({ id: accountId }).first();
  expect(row).toMatchObject({ state: 'down', last_error: 'TENCENT:FailedOperation.InsufficientBalanceInSmsPackage' });
  await addUser(t.db, 'admin', 'admin');
  const page = await (await loginAs(t.app, 'admin')).get('/carriers');
  expect(page.text).toContain('The SMS package has no balance left: the account is down until it is topped up');
  fake.balance = Number.POSITIVE_INFINITY;
});
