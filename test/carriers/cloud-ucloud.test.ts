import { FakeUcloud } from '../helpers/fake-ucloud';
import { UcloudClient } from '../../src/carrier/cloud/ucloud.client';
import { ucloudSignature } from '../../src/carrier/cloud/ucloud.signature';
import { CloudCarrier, type CloudOutgoingMessage } from '../../src/carrier/cloud/cloud.carrier';

let fake: FakeUcloud;
beforeEach(async () => {
  fake = await new FakeUcloud().start();
});
afterEach(() => fake.close());

function carrier(privateKey?: string, onAccountDown?: (code: string) => void, timeoutMs = 5000): CloudCarrier {
  const client = new UcloudClient({ endpoint: fake.url, publicKey: fake.publicKey, privateKey: privateKey ?? fake.privateKey, projectId: fake.projectId }, { timeoutMs });
  return new CloudCarrier(client, { name: 'uc', retryBaseMs: 5, onAccountDown: (c) => onAccountDown?.(c.code) });
}

const message = (id: number, phone: string, params: string[]): CloudOutgoingMessage => ({
  id, phone, content: `text ${id}`, cloud: { templateCode: 'UTA1234', signName: 'UCloud', params },
});

test('same parameters: SendUSMSMessage; different: SendBatchUSMSMessage; each number maps back by SessionNo and phone', async () => {
  const results = await carrier().submitBatch([
    message(1, '13900000001', ['1234']), message(2, '13900000002', ['1234']),
    message(3, '13900000003', ['5678']), message(4, '13900000004', ['9999']),
  ]);
  expect(fake.calls.SendUSMSMessage).toBe(1);
  expect(fake.calls.SendBatchUSMSMessage).toBe(1);
  const ref = (phone: string) => { const s = fake.sent.find((x) => x.phone === phone)!; return `${s.sessionNo}:${phone}`; };
  expect(results.sort((a, b) => a.id - b.id)).toEqual([1, 2, 3, 4].map((id) => ({ id, accepted: true, carrierMessageId: ref(`1390000000${id}`) })));
  expect(fake.sent.find((s) => s.phone === '13900000004')?.params).toEqual(['9999']);
});

test('calls stay within the reference\'s limits, which the fake enforces: 1,000 numbers a SendUSMSMessage, 200 a SendBatchUSMSMessage', async () => {
  const same = Array.from({ length: 2500 }, (_, i) => message(i + 1, `139${String(i).padStart(8, '0')}`, ['1234']));
  const perNumber = Array.from({ length: 450 }, (_, i) => message(i + 5001, `137${String(i).padStart(8, '0')}`, [String(i)]));
  const results = await carrier().submitBatch([...same, ...perNumber]);
  expect(results.filter((r) => !r.accepted)).toEqual([]);
  expect(results).toHaveLength(2950);
  expect(fake.calls.SendUSMSMessage).toBe(3);
  expect(fake.calls.SendBatchUSMSMessage).toBe(3);
  const perSession = new Map<string, number>();
  for (const s of fake.sent) perSession.set(s.sessionNo, (perSession.get(s.sessionNo) ?? 0) + 1);
  expect([...perSession.values()].sort((a, b) => b - a)).toEqual([1000, 1000, 500, 200, 200, 50]);
});

test('the fake refuses a batch over 200 numbers and a TaskContent that is not base64-encoded JSON', async () => {
  const client = new UcloudClient({ endpoint: fake.url, publicKey: fake.publicKey, privateKey: fake.privateKey, projectId: fake.projectId }, { timeoutMs: 5000 });
  const recipients = Array.from({ length: 201 }, (_, i) => ({ messageId: i + 1, phone: `139${String(i).padStart(8, '0')}`, params: [String(i)] }));
  await expect(client.send({ templateCode: 'UTA1', signName: 'UCloud', recipients, sameParams: false, callTag: 'q1' })).rejects.toMatchObject({ cloudCode: { code: 'UCLOUD:215' } });
  await expect(client.send({ templateCode: 'UTA1', signName: 'UCloud', recipients: recipients.slice(0, 200), sameParams: false, callTag: 'q1' })).resolves.toHaveLength(200);
  // The JSON itself, not base64-encoded, as an earlier client sent it: refused.
  const params: Record<string, string> = { Action: 'SendBatchUSMSMessage', PublicKey: fake.publicKey, ProjectId: fake.projectId, TaskContent: JSON.stringify([{ TemplateId: 'UTA1', SigContent: 'UCloud', Target: [{ Phone: '13900000001' }] }]) };
  params.Signature = ucloudSignature(params, fake.privateKey);
  const response = await fetch(fake.url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  expect(await response.json()).toMatchObject({ RetCode: 215 });
});

test('a number the batch call refuses is rejected alone', async () => {
  fake.badNumbers.add('13900000003');
  const results = await carrier().submitBatch([message(3, '13900000003', ['1']), message(4, '13900000004', ['2'])]);
  const byId = new Map(results.map((r) => [r.id, r]));
  expect(byId.get(4)?.accepted).toBe(true);
  expect(byId.get(3)).toMatchObject({ accepted: false, code: 'UCLOUD:BatchTargetFailed', description: 'invalid phone number' });
});

test('a batch answered with TaskId (the current reference) maps back the same; a template refused as a group gives its numbers the group\'s reason', async () => {
  fake.batchIdAsTaskId = true;
  fake.badTemplates.add('UTA-REFUSED');
  const refused = (id: number, phone: string): CloudOutgoingMessage => ({ id, phone, content: 'x', cloud: { templateCode: 'UTA-REFUSED', signName: 'UCloud', params: [String(id)] } });
  const results = await carrier().submitBatch([message(1, '13900000001', ['1']), message(2, '13900000002', ['2']), refused(3, '13900000003'), refused(4, '13900000004')]);
  const byId = new Map(results.map((r) => [r.id, r]));
  const session = fake.sent.find((s) => s.phone === '13900000001')!.sessionNo;
  expect(byId.get(1)).toEqual({ id: 1, accepted: true, carrierMessageId: `${session}:13900000001` });
  expect(byId.get(3)).toMatchObject({ accepted: false, outcome: 'rejected', code: 'UCLOUD:BatchTargetFailed', description: 'template not approved' });
  expect(byId.get(4)).toMatchObject({ accepted: false, description: 'template not approved' });
});

test('a busy answer (150) is retried; a wrong private key (171) marks the account down', async () => {
  fake.throttleNextCalls = 1;
  expect((await carrier().submitBatch([message(1, '13900000001', ['1'])]))[0].accepted).toBe(true);
  const downs: string[] = [];
  expect((await carrier('wrong', (c) => downs.push(c)).submitBatch([message(2, '13900000002', ['1'])]))[0]).toMatchObject({ accepted: false, outcome: 'retry' });
  expect(downs).toEqual(['UCLOUD:171']);
});

test('receipts by SessionNo, more than 100 sessions split across calls', async () => {
  fake.failReceipts.set('13900000150', 'UNDELIV');
  const uc = carrier();
  // One call per message: each its own session.
  for (let i = 0; i < 150; i++) await uc.submitBatch([message(i + 1, `139${String(i + 1).padStart(8, '0')}`, [String(i)])]);
  const receipts = await uc.pullReceipts(1000);
  expect(fake.calls.GetUSMSSendReceipt).toBe(2);
  expect(receipts).toHaveLength(150);
  expect(receipts.find((r) => !r.delivered)).toMatchObject({ code: 'UCLOUD:UNDELIV' });
});

test('a lost answer stays unknown: USMS cannot look a message up, so reconcile says it cannot tell', async () => {
  fake.hangNextSends = 1;
  const uc = carrier(undefined, undefined, 300);
  const m = message(7, '13900000007', ['1']);
  const [outcome] = await uc.submitDetailed([m]);
  expect(outcome.outcome).toBe('unknown');
  expect(fake.sent).toHaveLength(1);
  if (outcome.outcome !== 'unknown') return;
  expect(await uc.reconcile([{ message: m, callTag: outcome.callTag, sentAt: outcome.sentAt }])).toEqual([null]);
});
