/**
 * A task out through each cloud provider, end to end against its fake: the task routed to the cloud account and
 * confirmed, its messages sent with the account's provider template and their own parameters, the receipts pulled and
 * applied, a reply stored in the inbox. The carrier is the one `cloudCarrierFor` gives the dispatcher's carrier pool;
 * each test hands it to a Dispatcher of its own, which sends every due task through it, so a test can rebuild it
 * (a restart) on the same database. The pool's own wiring is test/carriers/cloud-pool.test.ts.
 */
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { cloudAccount, confirmedCloudTask, routeNotificationsTo } from '../helpers/cloud-task';
import { FakeTencent } from '../helpers/fake-tencent';
import { FakeAliyun } from '../helpers/fake-aliyun';
import { FakeUcloud } from '../helpers/fake-ucloud';
import { updateAccount } from '../../src/services/carriers.service';
import { findCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { cloudCarrierFor, pullCloudReplies } from '../../src/services/cloud-carriers.service';
import { applyCallback } from '../../src/services/carrier-callbacks.service';
import type { Carrier, OutgoingMessage } from '../../src/carrier/carrier';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { defaultSettings } from '../../src/services/settings.service';
import { createLogger } from '../../src/log';
import type { CarrierKind } from '../../src/carrier/carrier-account.fields';

const CONTENT = '尊敬的{1}，您的验证码是{2}。';
const RECIPIENTS = [
  ['13900000001', '张三', '1111'],
  ['13900000002', '李四', '2222'],
  ['13900000003', '王五', '1111'],
  ['13900000004', '赵六', '4444'],
];

let t: TestApp;
let templateSeq = 0;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

async function account(name: string, kind: CarrierKind, endpoint: string, cloudSecrets: Record<string, string>, extra: Record<string, string> = {}) {
  const id = await cloudAccount(t, { name, kind, endpoint, cloudSecrets, sdkAppId: extra.sdk_app_id, projectId: extra.project_id, pollSeconds: 30 });
  return (await findCarrierAccount(t.db, id))!;
}

/** A confirmed task of RECIPIENTS routed to the account, its template mapped to `providerTemplate`. */
async function confirmedTask(accountId: number, providerTemplate: string, paramNames: string[] | null = null): Promise<string> {
  await routeNotificationsTo(t, accountId);
  const seq = templateSeq++;
  const taskId = await confirmedCloudTask(t, { accountId, providerTemplate, paramNames, content: CONTENT, recipients: RECIPIENTS, signatureName: `云签名${seq}`, templateName: `code ${seq}` });
  expect((await t.db('tasks').where({ id: taskId }).first()).carrier_account_id).toBe(accountId);
  return taskId;
}

async function send(carrier: Carrier): Promise<void> {
  const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 200 };
  const dispatcher = new Dispatcher(t.db, carrier, async () => settings, createLogger('silent'), { leaseMs: 30_000 });
  await dispatcher.tick();
  await dispatcher.pullReceipts();
  await dispatcher.stop();
}

const statuses = async (taskId: string) =>
  Object.fromEntries((await t.db('messages').where({ task_id: taskId }).select('phone', 'status', 'code')).map((m) => [m.phone, [m.status, m.code]]));

test('Tencent: grouped by parameters, receipts applied (one failed), a per-number refusal rejected, a reply in the inbox', async () => {
  const fake = await new FakeTencent().start();
  try {
    fake.failNumbers.set('13900000004', 'FailedOperation.PhoneNumberInBlacklist');
    fake.failReceipts.set('13900000002', 'UNDELIV');
    const tx = await account('tx', 'tencent', fake.url, { secret_id: fake.secretId, secret_key: fake.secretKey }, { sdk_app_id: fake.sdkAppId });
    const taskId = await confirmedTask(tx.id, '1234567');
    await send(cloudCarrierFor(t.db, tx, t.config.secretKey));
    // 张三 and 王五 differ in their first parameter: every recipient has its own list, so four calls (Tencent has
    // no per-number call).
    expect(fake.calls.SendSms).toBe(4);
    expect(fake.sent.find((s) => s.phone === '13900000003')).toMatchObject({ templateId: '1234567', signName: '云签名0', params: ['王五', '1111'] });
    expect(await statuses(taskId)).toEqual({
      '13900000001': ['delivered', 'TENCENT:DELIVRD'],
      '13900000002': ['failed', 'TENCENT:UNDELIV'],
      '13900000003': ['delivered', 'TENCENT:DELIVRD'],
      '13900000004': ['rejected', 'TENCENT:FailedOperation.PhoneNumberInBlacklist'],
    });
    // The provider took the calls: the account, down until a call told otherwise, is up on /carriers.
    expect(await t.db('carrier_accounts').where({ id: tx.id }).first('state', 'last_error')).toEqual({ state: 'connected', last_error: null });
    fake.addReply('13900000001', '退订');
    expect(await pullCloudReplies(t.db, tx.id, cloudCarrierFor(t.db, tx, t.config.secretKey))).toBe(1);
    expect(await t.db('inbound_messages').select('account_id', 'phone', 'text')).toEqual([{ account_id: tx.id, phone: '13900000001', text: '退订' }]);
  } finally {
    await fake.close();
  }
});

test('Alibaba: per-number parameters in one SendBatchSms with the variable names, receipts queried and applied', async () => {
  const fake = await new FakeAliyun().start();
  try {
    fake.failReceipts.set('13900000003', 'MOBILE_NOT_ON_SERVICE');
    const ali = await account('ali', 'aliyun', fake.url, { access_key_id: fake.accessKeyId, access_key_secret: fake.accessKeySecret });
    const taskId = await confirmedTask(ali.id, 'SMS_71390007', ['name', 'code']);
    await send(cloudCarrierFor(t.db, ali, t.config.secretKey));
    expect(fake.calls.SendBatchSms).toBe(1);
    expect(fake.sent.find((s) => s.phone === '13900000002')?.params).toEqual({ name: '李四', code: '2222' });
    expect(await statuses(taskId)).toEqual({
      '13900000001': ['delivered', 'ALIYUN:DELIVERED'],
      '13900000002': ['delivered', 'ALIYUN:DELIVERED'],
      '13900000003': ['failed', 'ALIYUN:MOBILE_NOT_ON_SERVICE'],
      '13900000004': ['delivered', 'ALIYUN:DELIVERED'],
    });
  } finally {
    await fake.close();
  }
});

test('UCloud: one SendBatchUSMSMessage, receipts by SessionNo applied', async () => {
  const fake = await new FakeUcloud().start();
  try {
    fake.failReceipts.set('13900000001', 'UNDELIV');
    const uc = await account('uc', 'ucloud', fake.url, { public_key: fake.publicKey, private_key: fake.privateKey }, { project_id: fake.projectId });
    const taskId = await confirmedTask(uc.id, 'UTA20261205');
    await send(cloudCarrierFor(t.db, uc, t.config.secretKey));
    expect(fake.calls.SendBatchUSMSMessage).toBe(1);
    expect(fake.sent.find((s) => s.phone === '13900000004')).toMatchObject({ templateId: 'UTA20261205', params: ['赵六', '4444'] });
    expect(await statuses(taskId)).toEqual({
      '13900000001': ['failed', 'UCLOUD:UNDELIV'],
      '13900000002': ['delivered', 'UCLOUD:DELIVRD'],
      '13900000003': ['delivered', 'UCLOUD:DELIVRD'],
      '13900000004': ['delivered', 'UCLOUD:DELIVRD'],
    });
    expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  } finally {
    await fake.close();
  }
});

/** Polls until `check` holds (the dispatcher runs on its own meanwhile); no fixed sleeps. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a send whose answer is lost and that a query does not find ends unknown (SUBMIT_UNKNOWN, counted), never sent twice', async () => {
  const fake = await new FakeTencent().start();
  try {
    fake.hangNextSends = 1;
    for (const [phone] of RECIPIENTS) fake.hideFromQueries.add(phone);
    const tx = await account('tx', 'tencent', fake.url, { secret_id: fake.secretId, secret_key: fake.secretKey }, { sdk_app_id: fake.sdkAppId });
    const taskId = await confirmedTask(tx.id, '1234567');
    await send(cloudCarrierFor(t.db, tx, t.config.secretKey, { http: { timeoutMs: 300 } }));
    const messages = await t.db('messages').where({ task_id: taskId }).select('status', 'code');
    expect(messages.filter((m) => m.status === 'unknown')).toEqual([{ status: 'unknown', code: 'SUBMIT_UNKNOWN' }]);
    expect(messages.filter((m) => m.status === 'delivered')).toHaveLength(3);
    expect(fake.sent).toHaveLength(4);
    expect(await t.db('tasks').where({ id: taskId }).first('status', 'unknown_count')).toEqual({ status: 'completed', unknown_count: 1 });
  } finally {
    await fake.close();
  }
});

test('bad credentials: the account goes down with its reason and the carrier unavailable; the messages wait, none failed', async () => {
  const fake = await new FakeTencent().start();
  try {
    const tx = await account('tx', 'tencent', fake.url, { secret_id: fake.secretId, secret_key: 'not-the-key' }, { sdk_app_id: fake.sdkAppId });
    const taskId = await confirmedTask(tx.id, '1234567');
    const carrier = cloudCarrierFor(t.db, tx, t.config.secretKey);
    const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 200 };
    const dispatcher = new Dispatcher(t.db, carrier, async () => settings, createLogger('silent'), { leaseMs: 30_000 });
    // Today's dispatcher does not ask available() yet: it keeps deferring the messages until it is stopped.
    void dispatcher.tick();
    await until(async () => (await t.db('carrier_accounts').where({ id: tx.id }).first()).last_error !== null);
    await dispatcher.stop();
    expect(await t.db('carrier_accounts').where({ id: tx.id }).first('state', 'last_error')).toEqual({ state: 'down', last_error: 'TENCENT:AuthFailure.SignatureFailure' });
    expect(carrier.available()).toBe(false);
    const statuses = await t.db('messages').where({ task_id: taskId }).pluck('status');
    expect(statuses.every((s) => s === 'pending' || s === 'submitting')).toBe(true);
    expect(await t.db('tasks').where({ id: taskId }).first('failed_count', 'rejected_count')).toEqual({ failed_count: 0, rejected_count: 0 });
    expect(fake.sent).toHaveLength(0);
  } finally {
    await fake.close();
  }
});

/** A new carrier and dispatcher on the same database, as after a restart, applying the receipts they can get. */
async function restartAndPull(accountId: number): Promise<void> {
  const carrier = cloudCarrierFor(t.db, (await findCarrierAccount(t.db, accountId))!, t.config.secretKey);
  const dispatcher = new Dispatcher(t.db, carrier, async () => defaultSettings({ timeZone: 'Asia/Shanghai' }), createLogger('silent'), { leaseMs: 30_000 });
  await dispatcher.pullReceipts();
  await dispatcher.stop();
}

const waiting = async (accountId: number) => (await t.db('cloud_receipt_waits').where({ account_id: accountId }).orderBy('phone').pluck('phone')) as string[];

test('Alibaba: the receipts still to be asked for survive a restart; one pushed meanwhile is applied once, not again when pulled', async () => {
  const fake = await new FakeAliyun().start();
  try {
    fake.autoDeliver = false;
    const ali = await account('ali', 'aliyun', fake.url, { access_key_id: fake.accessKeyId, access_key_secret: fake.accessKeySecret });
    const taskId = await confirmedTask(ali.id, 'SMS_71390007', ['name', 'code']);
    await send(cloudCarrierFor(t.db, ali, t.config.secretKey));
    expect(Object.values(await statuses(taskId)).map((v) => (v as string[])[0])).toEqual(['submitted', 'submitted', 'submitted', 'submitted']);
    expect(await waiting(ali.id)).toEqual(RECIPIENTS.map(([phone]) => phone));

    // Before the restart, the provider pushes the first message's receipt: applied, and no longer asked about.
    const first = (await t.db('messages').where({ task_id: taskId, phone: '13900000001' }).first()) as { id: number; carrier_message_id: string };
    await applyCallback(t.db, ali.id, [{ ref: first.carrier_message_id, phone: '13900000001', delivered: true, code: 'ALIYUN:DELIVERED', description: '', reportedAt: new Date() }], []);
    expect(await waiting(ali.id)).toEqual(['13900000002', '13900000003', '13900000004']);

    for (const s of fake.sent) s.status = 3;
    fake.sent.find((s) => s.phone === '13900000003')!.status = 2;
    fake.sent.find((s) => s.phone === '13900000003')!.errCode = 'MOBILE_NOT_ON_SERVICE';
    await restartAndPull(ali.id);
    expect(await statuses(taskId)).toEqual({
      '13900000001': ['delivered', 'ALIYUN:DELIVERED'],
      '13900000002': ['delivered', 'ALIYUN:DELIVERED'],
      '13900000003': ['failed', 'ALIYUN:MOBILE_NOT_ON_SERVICE'],
      '13900000004': ['delivered', 'ALIYUN:DELIVERED'],
    });
    expect(await waiting(ali.id)).toEqual([]);
    // Pushed and (had it been asked again) pulled: one receipt for each message.
    const perMessage = await t.db('receipts').where({ task_id: taskId }).groupBy('message_id').select('message_id', t.db.raw('count(*) as n'));
    expect(perMessage.map((r) => Number(r.n))).toEqual([1, 1, 1, 1]);
    expect((await t.db('tasks').where({ id: taskId }).first()).delivered_count).toBe(3);
  } finally {
    await fake.close();
  }
});

test('UCloud: receipts by SessionNo not reported before a restart are asked for after it', async () => {
  const fake = await new FakeUcloud().start();
  try {
    fake.receiptsReady = false;
    const uc = await account('uc', 'ucloud', fake.url, { public_key: fake.publicKey, private_key: fake.privateKey }, { project_id: fake.projectId });
    const taskId = await confirmedTask(uc.id, 'UTA20261205');
    await send(cloudCarrierFor(t.db, uc, t.config.secretKey));
    expect(await waiting(uc.id)).toHaveLength(4);
    fake.receiptsReady = true;
    await restartAndPull(uc.id);
    expect(Object.values(await statuses(taskId)).map((v) => (v as string[])[0])).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(await waiting(uc.id)).toEqual([]);
  } finally {
    await fake.close();
  }
});

test('new credentials saved for a down account bring its carrier back without a restart; a restart while refused starts unavailable', async () => {
  const fake = await new FakeTencent().start();
  try {
    const tx = await account('tx', 'tencent', fake.url, { secret_id: fake.secretId, secret_key: 'not-the-key' }, { sdk_app_id: fake.sdkAppId });
    const taskId = await confirmedTask(tx.id, '1234567');
    const messages = (await t.db('messages').where({ task_id: taskId }).orderBy('id').select('id', 'phone', 'content')) as OutgoingMessage[];
    const carrier = cloudCarrierFor(t.db, tx, t.config.secretKey, { accountRecheckMs: 0 });
    expect((await carrier.submitBatch(messages)).map((r) => !r.accepted && r.outcome)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect(carrier.available()).toBe(false);

    // A restart now: the stored refusal keeps the new carrier from calling the provider until the probe time.
    const calls = fake.calls.SendSms;
    const restarted = cloudCarrierFor(t.db, (await findCarrierAccount(t.db, tx.id))!, t.config.secretKey);
    expect(restarted.available()).toBe(false);
    expect((await restarted.submitBatch(messages.slice(0, 1)))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
    expect(fake.calls.SendSms).toBe(calls);

    // The admin saves the right key on /carriers: the running carrier picks it up at its next look at the account.
    const saved = await updateAccount(t.db, t.config.secretKey, tx.id, {
      name: 'tx', kind: 'tencent', password: undefined, cloudSecrets: { secret_id: fake.secretId, secret_key: fake.secretKey },
      settings: { endpoint: fake.url, region: 'ap-guangzhou', sdk_app_id: fake.sdkAppId, project_id: '', poll_seconds: 30 },
    });
    expect(saved.ok).toBe(true);
    await carrier.pullReceipts(10);
    expect(carrier.available()).toBe(true);
    expect((await carrier.submitBatch(messages)).every((r) => r.accepted)).toBe(true);
    expect(await t.db('carrier_accounts').where({ id: tx.id }).first('state', 'last_error')).toEqual({ state: 'connected', last_error: null });
  } finally {
    await fake.close();
  }
});
