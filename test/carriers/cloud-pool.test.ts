/**
 * The cloud kinds as the server runs them: the dispatcher's carrier pool builds each enabled cloud account's carrier
 * through the registry, a task goes through the account it was frozen to at confirm, and the receipts come from the
 * provider's own pull (the pool lists each cloud carrier among the receipt sources). A routed task whose account is
 * Tencent or Alibaba ends with every receipt applied, with nothing handed to the stub.
 */
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { waitUntil } from '../helpers/app-process';
import { cloudAccount, confirmedCloudTask, routeNotificationsTo } from '../helpers/cloud-task';
import { FakeTencent } from '../helpers/fake-tencent';
import { FakeAliyun } from '../helpers/fake-aliyun';
import type { CarrierKind } from '../../src/carrier/carrier-account.fields';

const CONTENT = '尊敬的{1}，您的验证码是{2}。';
const RECIPIENTS = [
  ['13900000001', '张三', '1111'],
  ['13900000002', '李四', '2222'],
  ['13900000003', '王五', '3333'],
];

let t: TestApp;

beforeEach(async () => {
  t = await makeTestApp({ dispatch: 'accounts' });
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

async function routedAccount(name: string, kind: CarrierKind, endpoint: string, cloudSecrets: Record<string, string>, extra: { sdk_app_id?: string } = {}): Promise<number> {
  // Asked every second, so the test does not wait for the default poll.
  const id = await cloudAccount(t, { name, kind, endpoint, cloudSecrets, sdkAppId: extra.sdk_app_id, pollSeconds: 1 });
  await routeNotificationsTo(t, id);
  return id;
}

async function confirmTask(accountId: number, providerTemplate: string, paramNames: string[] | null = null): Promise<string> {
  const taskId = await confirmedCloudTask(t, { accountId, providerTemplate, paramNames, content: CONTENT, recipients: RECIPIENTS, signatureName: '云签名', templateName: 'code' });
  t.dispatcher!.wake();
  return taskId;
}

async function finalStatuses(taskId: string): Promise<Record<string, string>> {
  return waitUntil('every receipt applied', async () => {
    const rows = await t.db('messages').where({ task_id: taskId }).select('phone', 'status');
    return rows.every((m) => ['delivered', 'failed', 'rejected'].includes(m.status)) ? Object.fromEntries(rows.map((m) => [m.phone, m.status])) : null;
  }, { timeoutMs: 20_000, intervalMs: 100 });
}

test('Tencent through the pool: sent with the mapped template, receipts pulled from the provider and applied', async () => {
  const fake = await new FakeTencent().start();
  try {
    fake.failReceipts.set('13900000002', 'UNDELIV');
    const id = await routedAccount('tx', 'tencent', fake.url, { secret_id: fake.secretId, secret_key: fake.secretKey }, { sdk_app_id: fake.sdkAppId });
    const taskId = await confirmTask(id, '1234567');
    expect(await finalStatuses(taskId)).toEqual({ '13900000001': 'delivered', '13900000002': 'failed', '13900000003': 'delivered' });
    expect(fake.sent.map((s) => s.phone).sort()).toEqual(['13900000001', '13900000002', '13900000003']);
    expect(fake.sent.every((s) => s.templateId === '1234567')).toBe(true);
    expect(await t.db('stub_carrier_ledger').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await t.db('carrier_accounts').where({ id }).first('state')).toEqual({ state: 'connected' });
  } finally {
    await fake.close();
  }
});

test('Alibaba through the pool: receipts asked per message (the waits kept in the database) and applied', async () => {
  const fake = await new FakeAliyun().start();
  try {
    fake.failReceipts.set('13900000003', 'MOBILE_NOT_ON_SERVICE');
    const id = await routedAccount('ali', 'aliyun', fake.url, { access_key_id: fake.accessKeyId, access_key_secret: fake.accessKeySecret });
    const taskId = await confirmTask(id, 'SMS_71390007', ['name', 'code']);
    expect(await finalStatuses(taskId)).toEqual({ '13900000001': 'delivered', '13900000002': 'delivered', '13900000003': 'failed' });
    expect(fake.calls.SendBatchSms).toBe(1);
  } finally {
    await fake.close();
  }
});
