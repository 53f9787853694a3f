import { FakeAliyun } from '../helpers/fake-aliyun';
import { AliyunClient } from '../../src/carrier/cloud/aliyun.client';
import { CloudCarrier, type CloudOutgoingMessage } from '../../src/carrier/cloud/cloud.carrier';
import { MemoryReceiptWaits } from '../../src/carrier/cloud/receipt-waits';
import type { CloudCode } from '../../src/carrier/cloud/cloud-codes';

let fake: FakeAliyun;
beforeEach(async () => {
  fake = await new FakeAliyun().start();
});
afterEach(() => fake.close());

function carrier(overrides: { secret?: string; timeoutMs?: number; onAccountDown?: (code: CloudCode) => void; waits?: MemoryReceiptWaits } = {}): CloudCarrier {
  const client = new AliyunClient({ endpoint: fake.url, accessKeyId: fake.accessKeyId, accessKeySecret: overrides.secret ?? fake.accessKeySecret }, { timeoutMs: overrides.timeoutMs ?? 5000 });
  return new CloudCarrier(client, { name: 'ali', retryBaseMs: 5, onAccountDown: overrides.onAccountDown, waits: overrides.waits });
}

const message = (id: number, phone: string, params: string[]): CloudOutgoingMessage => ({
  id, phone, content: `text ${id}`, cloud: { templateCode: 'SMS_71390007', signName: '阿里云短信测试', params, paramNames: ['name', 'code'] },
});

test('same parameters: one SendSms for up to 1,000 numbers, the variables named as the provider template names them', async () => {
  const messages = Array.from({ length: 1200 }, (_, i) => message(i + 1, `139${String(i).padStart(8, '0')}`, ['张三', '1234']));
  const results = await carrier().submitBatch(messages);
  expect(fake.calls.SendSms).toBe(2);
  expect(fake.calls.SendBatchSms).toBeUndefined();
  expect(results.every((r) => r.accepted)).toBe(true);
  expect(fake.sent[0].params).toEqual({ name: '张三', code: '1234' });
  expect(results.find((r) => r.id === 1)).toEqual({ id: 1, accepted: true, carrierMessageId: `q1:13900000000` });
});

test('per-number parameters: SendBatchSms, at most 100 a call, each number its own values', async () => {
  const messages = Array.from({ length: 150 }, (_, i) => message(i + 1, `139${String(i).padStart(8, '0')}`, [`名${i}`, String(i)]));
  const results = await carrier().submitBatch(messages);
  expect(fake.calls.SendBatchSms).toBe(2);
  expect(results.every((r) => r.accepted)).toBe(true);
  expect(fake.sent.find((s) => s.phone === '13900000007')?.params).toEqual({ name: '名7', code: '7' });
});

test('a call refused for one bad number is split, so only that number is rejected', async () => {
  fake.badNumbers.add('13900000002');
  const results = await carrier().submitBatch([message(1, '13900000001', ['a', '1']), message(2, '13900000002', ['a', '1']), message(3, '13900000003', ['a', '1'])]);
  const byId = new Map(results.map((r) => [r.id, r]));
  expect(byId.get(1)?.accepted).toBe(true);
  expect(byId.get(3)?.accepted).toBe(true);
  expect(byId.get(2)).toMatchObject({ accepted: false, code: 'ALIYUN:isv.MOBILE_NUMBER_ILLEGAL' });
  expect(fake.sent.map((s) => s.phone).sort()).toEqual(['13900000001', '13900000003']);
});

test('flow control (isv.BUSINESS_LIMIT_CONTROL) is retried, then goes through', async () => {
  fake.throttleNextCalls = 2;
  const results = await carrier().submitBatch([message(1, '13900000001', ['a', '1'])]);
  expect(results[0].accepted).toBe(true);
  expect(fake.calls.SendSms).toBe(3);
});

test('a wrong AccessKey secret is refused by the fake and marks the account down; an empty balance too', async () => {
  const downs: string[] = [];
  expect((await carrier({ secret: 'wrong', onAccountDown: (c) => void downs.push(c.code) }).submitBatch([message(1, '13900000001', ['a', '1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  fake.balance = 0;
  expect((await carrier({ onAccountDown: (c) => void downs.push(c.code) }).submitBatch([message(1, '13900000001', ['a', '1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  expect(downs).toEqual(['ALIYUN:SignatureDoesNotMatch', 'ALIYUN:isv.AMOUNT_NOT_ENOUGH']);
  expect(fake.sent).toHaveLength(0);
});

test('receipts: QuerySendDetails per waiting message (by its BizId); a waiting one is asked again later', async () => {
  fake.autoDeliver = false;
  const waits = new MemoryReceiptWaits();
  const ali = carrier({ waits });
  await ali.submitBatch([message(1, '13900000001', ['a', '1'])]);
  await ali.submitBatch([message(2, '13900000001', ['b', '2']), message(3, '13900000003', ['c', '3'])]);
  expect(await ali.pullReceipts(100)).toEqual([]);
  for (const s of fake.sent) s.status = 3;
  fake.sent[2].status = 2;
  fake.sent[2].errCode = 'MOBILE_NOT_ON_SERVICE';
  const receipts = await ali.pullReceipts(100);
  expect(receipts.map((r) => [r.carrierMessageId, r.delivered, r.code]).sort()).toEqual([
    ['q1:13900000001', true, 'ALIYUN:DELIVERED'],
    ['q2:13900000001', true, 'ALIYUN:DELIVERED'],
    ['q2:13900000003', false, 'ALIYUN:MOBILE_NOT_ON_SERVICE'],
  ]);
  // Still waiting until the receipts are acknowledged (applied), then no more asking.
  expect(waits.size).toBe(3);
  await ali.ackReceipts(receipts.map((r) => r.receiptId));
  expect(waits.size).toBe(0);
});

test('a lost answer: unknown, then found by number, date and OutId, read across pages', async () => {
  const ali = carrier({ timeoutMs: 300 });
  // Two earlier messages to the same number: with one row a page, the lost one is on page 3.
  await ali.submitBatch([message(3, '13900000005', ['a', '1'])]);
  await ali.submitBatch([message(4, '13900000005', ['a', '1'])]);
  fake.maxPageSize = 1;
  fake.hangNextSends = 1;
  const m = message(5, '13900000005', ['a', '1']);
  const [outcome] = await ali.submitDetailed([m]);
  expect(outcome.outcome).toBe('unknown');
  if (outcome.outcome !== 'unknown') return;
  const queries = fake.calls.QuerySendDetails ?? 0;
  expect(await ali.reconcile([{ message: m, callTag: outcome.callTag, sentAt: outcome.sentAt }])).toEqual([{ id: 5, accepted: true, carrierMessageId: 'q5:13900000005' }]);
  expect(fake.calls.QuerySendDetails - queries).toBe(3);
  expect(await ali.reconcile([{ message: message(6, '13900000006', ['a', '1']), callTag: 'q6', sentAt: new Date() }])).toEqual([{ id: 6, notSent: true }]);
});

test('receipts are asked at most every pollMs, and about at most 200 waiting messages a pull, in turn', async () => {
  fake.autoDeliver = false;
  const client = new AliyunClient({ endpoint: fake.url, accessKeyId: fake.accessKeyId, accessKeySecret: fake.accessKeySecret }, { timeoutMs: 5000 });
  const slow = new CloudCarrier(client, { name: 'ali', pollMs: 60_000 });
  await slow.submitBatch([message(1, '13900000001', ['a', '1'])]);
  await slow.pullReceipts(10);
  await slow.pullReceipts(10);
  expect(fake.calls.QuerySendDetails).toBe(1);

  const busy = new CloudCarrier(client, { name: 'ali' });
  await busy.submitBatch(Array.from({ length: 250 }, (_, i) => message(i + 10, `137${String(i).padStart(8, '0')}`, ['a', String(i)])));
  const before = fake.calls.QuerySendDetails;
  await busy.pullReceipts(10);
  expect(fake.calls.QuerySendDetails - before).toBe(200);
  // The 50 not asked yet come first next time, then 150 of those asked already.
  const asked: string[] = [];
  const original = client.pullReceipts.bind(client);
  client.pullReceipts = async (waiting) => {
    asked.push(...waiting.map((w) => w.phone));
    return original(waiting);
  };
  await busy.pullReceipts(10);
  expect(asked.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `137${String(i + 200).padStart(8, '0')}`));
  expect(asked).toHaveLength(200);
});
