import { FakeTencent } from '../helpers/fake-tencent';
import { TencentClient } from '../../src/carrier/cloud/tencent.client';
import { CloudCarrier, type CloudOutgoingMessage } from '../../src/carrier/cloud/cloud.carrier';
import { CarrierTemporaryError, SUBMIT_UNKNOWN } from '../../src/carrier/carrier';
import type { CloudCode } from '../../src/carrier/cloud/cloud-codes';

let fake: FakeTencent;

beforeEach(async () => {
  fake = await new FakeTencent().start();
});
afterEach(() => fake.close());

function carrier(overrides: { secretKey?: string; timeoutMs?: number; onAccountDown?: (code: CloudCode) => void; downProbeMs?: number; concurrency?: number; submitBudgetMs?: number } = {}): CloudCarrier {
  const client = new TencentClient(
    { endpoint: fake.url, region: 'ap-guangzhou', sdkAppId: fake.sdkAppId, secretId: fake.secretId, secretKey: overrides.secretKey ?? fake.secretKey },
    { timeoutMs: overrides.timeoutMs ?? 5000 },
  );
  return new CloudCarrier(client, {
    name: 'tx', retryBaseMs: 5, onAccountDown: overrides.onAccountDown, downProbeMs: overrides.downProbeMs, concurrency: overrides.concurrency, submitBudgetMs: overrides.submitBudgetMs,
  });
}

const message = (id: number, phone: string, params: string[]): CloudOutgoingMessage => ({
  id, phone, content: `text ${id}`, cloud: { templateCode: '1234567', signName: '腾讯云', params },
});

test('recipients with the same parameters share one SendSms (at most 200 numbers); each number maps back by its SerialNo', async () => {
  const messages = Array.from({ length: 450 }, (_, i) => message(i + 1, `139${String(i).padStart(8, '0')}`, ['1234']));
  const results = await carrier().submitBatch(messages);
  expect(fake.calls.SendSms).toBe(3);
  expect(results).toHaveLength(450);
  expect(results.every((r) => r.accepted)).toBe(true);
  const serialOf = new Map(fake.sent.map((s) => [s.phone, s.serialNo]));
  for (const r of results) {
    const phone = messages[r.id - 1].phone;
    expect(r).toEqual({ id: r.id, accepted: true, carrierMessageId: serialOf.get(phone) });
  }
  expect(fake.sent[0]).toMatchObject({ templateId: '1234567', signName: '腾讯云', params: ['1234'] });
});

test('different parameters go in separate calls, each number with its own parameters', async () => {
  const results = await carrier().submitBatch([message(1, '13900000001', ['张三']), message(2, '13900000002', ['李四']), message(3, '13900000003', ['张三'])]);
  expect(fake.calls.SendSms).toBe(2);
  expect(results.every((r) => r.accepted)).toBe(true);
  const byPhone = new Map(fake.sent.map((s) => [s.phone, s.params]));
  expect(byPhone.get('13900000002')).toEqual(['李四']);
  expect(byPhone.get('13900000003')).toEqual(['张三']);
});

test('a per-number failure rejects that number only, with its code', async () => {
  fake.failNumbers.set('13900000002', 'InvalidParameterValue.IncorrectPhoneNumber');
  const results = await carrier().submitBatch([message(1, '13900000001', ['1']), message(2, '13900000002', ['1']), message(3, '13900000003', ['1'])]);
  const byId = new Map(results.map((r) => [r.id, r]));
  expect(byId.get(1)?.accepted).toBe(true);
  expect(byId.get(3)?.accepted).toBe(true);
  expect(byId.get(2)).toMatchObject({ accepted: false, code: 'TENCENT:InvalidParameterValue.IncorrectPhoneNumber' });
});

test('throttling is retried with back-off and then goes through; throttled to the end, the messages are retried later, never failed', async () => {
  fake.throttleNextCalls = 2;
  const results = await carrier().submitBatch([message(1, '13900000001', ['1'])]);
  expect(results[0].accepted).toBe(true);
  expect(fake.calls.SendSms).toBe(3);

  fake.throttleNextCalls = 10;
  expect(await carrier().submitBatch([message(2, '13900000002', ['1'])])).toEqual([
    { id: 2, accepted: false, outcome: 'retry', code: 'TENCENT:RequestLimitExceeded', description: expect.any(String) },
  ]);
  expect(fake.sent).toHaveLength(1);
});

test('a provider error (5xx) on every call of the batch is a temporary error: the dispatcher backs off and counts the attempt', async () => {
  fake.failNextCalls = 10;
  await expect(carrier().submitBatch([message(1, '13900000001', ['1'])])).rejects.toBeInstanceOf(CarrierTemporaryError);
});

test('bad credentials mark the account down once and make the carrier unavailable; nothing is rejected: the messages are retried', async () => {
  const downs: CloudCode[] = [];
  const tx = carrier({ secretKey: 'wrong-key', onAccountDown: (code) => void downs.push(code) });
  expect(tx.available()).toBe(true);
  expect(await tx.submitBatch([message(1, '13900000001', ['1'])])).toEqual([
    { id: 1, accepted: false, outcome: 'retry', code: 'TENCENT:AuthFailure.SignatureFailure', description: expect.any(String) },
  ]);
  expect(downs.map((d) => d.code)).toEqual(['TENCENT:AuthFailure.SignatureFailure']);
  expect(tx.available()).toBe(false);
  // While down, nothing more is sent to the provider.
  const calls = fake.calls.SendSms;
  expect((await tx.submitBatch([message(2, '13900000002', ['1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  expect(fake.calls.SendSms).toBe(calls);
  expect(fake.sent).toHaveLength(0);
});

test('a zero balance marks the account down too; after the probe time one batch is tried, and a topped-up balance brings it back', async () => {
  fake.balance = 0;
  const downs: CloudCode[] = [];
  const tx = carrier({ onAccountDown: (code) => void downs.push(code), downProbeMs: 0 });
  expect((await tx.submitBatch([message(1, '13900000001', ['1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  expect(downs.map((d) => d.code)).toEqual(['TENCENT:FailedOperation.InsufficientBalanceInSmsPackage']);
  // Refused again at the probe: still down, told once.
  expect((await tx.submitBatch([message(1, '13900000001', ['1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  expect(downs).toHaveLength(1);
  fake.balance = Number.POSITIVE_INFINITY;
  expect((await tx.submitBatch([message(1, '13900000001', ['1'])]))[0].accepted).toBe(true);
  expect(tx.down).toBeNull();
});

test('receipts are pulled across pages of 100, kept until acknowledged, failures with their description', async () => {
  fake.failReceipts.set('13900000007', 'UNDELIV');
  const tx = carrier();
  const messages = Array.from({ length: 250 }, (_, i) => message(i + 1, `139${String(i).padStart(8, '0')}`, ['1']));
  const results = await tx.submitBatch(messages);
  const receipts = await tx.pullReceipts(1000);
  expect(fake.calls.PullSmsSendStatus).toBe(3);
  expect(receipts).toHaveLength(250);
  expect(new Set(receipts.map((r) => r.carrierMessageId))).toEqual(new Set(results.map((r) => (r.accepted ? r.carrierMessageId : ''))));
  const failed = receipts.find((r) => !r.delivered);
  expect(failed).toMatchObject({ code: 'TENCENT:UNDELIV', carrierMessageId: fake.sent.find((s) => s.phone === '13900000007')?.serialNo });
  // Not acknowledged: still there. Acknowledged: gone.
  expect(await tx.pullReceipts(1000)).toHaveLength(250);
  await tx.ackReceipts(receipts.map((r) => r.receiptId));
  expect(await tx.pullReceipts(1000)).toHaveLength(0);
});

test('replies are pulled with the number, text and time', async () => {
  fake.addReply('13900000001', '退订', 1_764_900_000);
  fake.addReply('13900000002', '好的', 1_764_900_001);
  const replies = await carrier().pullReplies();
  expect(replies).toEqual([
    { phone: '13900000001', text: '退订', receivedAt: new Date(1_764_900_000_000), ref: '13900000001:1764900000:退订' },
    { phone: '13900000002', text: '好的', receivedAt: new Date(1_764_900_001_000), ref: '13900000002:1764900001:好的' },
  ]);
});

test('an answer that never comes: found by a query, the real result; not found, unknown (never resent)', async () => {
  fake.hangNextSends = 1;
  const tx = carrier({ timeoutMs: 300 });
  const messages = [message(1, '13900000001', ['1']), message(2, '13900000002', ['1'])];
  const detailed = await tx.submitDetailed(messages);
  expect(detailed.map((o) => o.outcome)).toEqual(['unknown', 'unknown']);
  expect(fake.sent).toHaveLength(2);

  // Through the Carrier interface: the lost call is looked up at once and found.
  fake.hangNextSends = 1;
  const found = await tx.submitBatch([message(3, '13900000003', ['1'])]);
  expect(found).toEqual([{ id: 3, accepted: true, carrierMessageId: fake.sent[2].serialNo }]);

  // Lost, and the query finds nothing (the provider's record not there, or the query refused): unknown.
  fake.hangNextSends = 1;
  fake.hideFromQueries.add('13900000004');
  expect(await tx.submitBatch([message(4, '13900000004', ['1'])])).toEqual([
    { id: 4, accepted: false, outcome: 'unknown', code: SUBMIT_UNKNOWN, description: expect.any(String) },
  ]);
  expect(fake.sent.filter((s) => s.phone === '13900000004')).toHaveLength(1);

  const unknown = detailed.flatMap((o) => (o.outcome === 'unknown' ? [{ message: messages[o.id - 1], callTag: o.callTag, sentAt: o.sentAt }] : []));
  const never = { message: message(9, '13900000009', ['1']), callTag: 'q9', sentAt: new Date() };
  const answers = await tx.reconcile([...unknown, never]);
  expect(answers).toEqual([
    { id: 1, accepted: true, carrierMessageId: fake.sent[0].serialNo },
    { id: 2, accepted: true, carrierMessageId: fake.sent[1].serialNo },
    { id: 9, notSent: true },
  ]);
});

test('the fake refuses a request whose signature does not match its body', async () => {
  const response = await fetch(fake.url, {
    method: 'POST',
    headers: {
      Authorization: `TC3-HMAC-SHA256 Credential=${fake.secretId}/2026-12-05/sms/tc3_request, SignedHeaders=content-type;host, Signature=${'0'.repeat(64)}`,
      'Content-Type': 'application/json; charset=utf-8', 'X-TC-Action': 'SendSms', 'X-TC-Timestamp': String(Date.parse('2026-12-05T00:00:00Z') / 1000),
    },
    body: '{}',
  });
  expect(((await response.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe('AuthFailure.SignatureFailure');
});

test('one call of a batch loses its answer while the other is answered: the lost one is looked up at once', async () => {
  fake.hangNextSends = 1;
  const tx = carrier({ timeoutMs: 300 });
  const results = await tx.submitBatch([message(1, '13900000001', ['a']), message(2, '13900000002', ['b'])]);
  const serialOf = new Map(fake.sent.map((s) => [s.phone, s.serialNo]));
  expect(results.sort((a, b) => a.id - b.id)).toEqual([
    { id: 1, accepted: true, carrierMessageId: serialOf.get('13900000001') },
    { id: 2, accepted: true, carrierMessageId: serialOf.get('13900000002') },
  ]);
  expect(fake.sent).toHaveLength(2);
});

test('calls not started within the submit budget are retried later, never sent late: a submit ends before the dispatcher gives up on it', async () => {
  // One call at a time; the first one's answer is lost (300 ms), which spends the 100 ms budget.
  fake.hangNextSends = 1;
  fake.hideFromQueries.add('13900000001');
  const tx = carrier({ timeoutMs: 300, concurrency: 1, submitBudgetMs: 100 });
  const results = await tx.submitBatch([message(1, '13900000001', ['a']), message(2, '13900000002', ['b']), message(3, '13900000003', ['c'])]);
  expect(results.sort((a, b) => a.id - b.id)).toEqual([
    { id: 1, accepted: false, outcome: 'unknown', code: SUBMIT_UNKNOWN, description: expect.any(String) },
    { id: 2, accepted: false, outcome: 'retry', code: 'CLOUD:DEFERRED', description: expect.any(String) },
    { id: 3, accepted: false, outcome: 'retry', code: 'CLOUD:DEFERRED', description: expect.any(String) },
  ]);
  expect(fake.sent.map((s) => s.phone)).toEqual(['13900000001']);
});
