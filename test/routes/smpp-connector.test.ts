/**
 * The SMPP connector through the real dispatcher and carrier pool, against the test SMSC (issue 10, "Tests"):
 * sending, parts, receipts in both forms, a receipt before its submit_sm_resp, throttling, a wrong password, a line
 * dropped with a full window, MO replies, enquire_link, routing and fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { ROOT_DIR } from '../../src/config';
import { addUser, loginAs, makeTestApp, tokenFor, type TestApp } from '../helpers/app';
import { postSendForm } from '../helpers/send-form';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { createApiKey } from '../../src/services/api-keys.service';
import { TestSmsc, type SmscOptions } from '../helpers/smsc';
import { addSmppAccount, routeAll } from '../helpers/smpp-account';
import { phones, seedTask } from '../helpers/tasks';
import { messageCounts, waitUntil } from '../helpers/app-process';
import { encodeText, splitText } from '../../src/sms/smpp-parts';
import { realCarrierConfigured } from '../../src/carrier/real-carrier';
import { setAccountEnabled, updateAccount } from '../../src/services/carriers.service';
import { checkSmppSettings } from '../../src/carrier/carrier-account.fields';

jest.setTimeout(60_000);

const TLS_DIR = path.join(ROOT_DIR, 'test', 'fixtures', 'tls');
const tls = { key: fs.readFileSync(path.join(TLS_DIR, 'smsc-key.pem')), cert: fs.readFileSync(path.join(TLS_DIR, 'smsc-cert.pem')) };

let t: TestApp;
const smscs: TestSmsc[] = [];

async function smscWith(options: SmscOptions = {}): Promise<TestSmsc> {
  const smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret', ...options });
  smscs.push(smsc);
  return smsc;
}

beforeEach(async () => {
  // The test SMSC's self-signed certificate is trusted (for the TLS test) besides the system's.
  t = await makeTestApp({ dispatch: 'accounts', smpp: { minBackoffMs: 50, maxBackoffMs: 300, responseTimeoutMs: 3000, stopWaitMs: 500, tlsCa: tls.cert } });
  await addUser(t.db, 'admin', 'admin');
});

afterEach(async () => {
  await t.close();
  for (const smsc of smscs.splice(0)) await smsc.close();
});

const task = (taskId: string) => t.db('tasks').where({ id: taskId }).first();
const account = (id: number) => t.db('carrier_accounts').where({ id }).first();

async function waitForStatus(taskId: string, want: Record<string, number>, timeoutMs = 20_000): Promise<void> {
  await waitUntil(`messages ${JSON.stringify(want)}`, async () => JSON.stringify(await messageCounts(t.db, taskId)) === JSON.stringify(want), { timeoutMs });
}

test('a task goes out through the SMSC, one submit_sm per message, and TLV receipts deliver it', async () => {
  const smsc = await smscWith({ autoReceipt: { stat: 'DELIVRD', form: 'tlv' } });
  expect(await realCarrierConfigured(t.db)).toBe(false);
  const id = await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  expect(await realCarrierConfigured(t.db)).toBe(true);
  const numbers = phones(30);
  const { taskId } = await seedTask(t.db, numbers);
  await waitForStatus(taskId, { delivered: 30 });
  expect((await task(taskId)).status).toBe('completed');
  expect((await task(taskId)).delivered_count).toBe(30);
  const counts = smsc.countsBy((r) => r.destination);
  expect([...counts.keys()].sort()).toEqual(numbers.map((n) => `86${n}`).sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(smsc.binds).toEqual([{ command: 'bind_transceiver', systemId: 'qunfa', accepted: true }]);
  expect(smsc.submits[0].pdu.dest_addr_ton).toBe(1);
  const row = await account(id);
  expect({ state: row.state, lastError: row.last_error }).toEqual({ state: 'connected', lastError: null });
  // The receipts went through the inbox, committed before each deliver_sm_resp.
  expect(Number((await t.db('carrier_receipt_inbox').whereNotNull('applied_at').count({ n: '*' }))[0].n)).toBe(30);
});

test('a 3-part Chinese and emoji message: one UDH reference, parts in order, UCS-2 bytes; delivered when every part is', async () => {
  const smsc = await smscWith({ messageIds: 'hex' });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  const content = '尊敬的客户，您好！😀 您预订的商品已经发货，快递单号为SF1234567890，预计三天内送达，请保持电话畅通。如有疑问请联系客服热线，感谢您的支持与信任，祝您生活愉快，万事如意！🎉 本短信无需回复。我们将持续为您提供优质的服务，欢迎再次光临本店选购更多商品，退订回T。';
  const { taskId } = await seedTask(t.db, phones(1), { content });
  await waitForStatus(taskId, { submitted: 1 });
  const [message] = await t.db('messages').where({ task_id: taskId });
  const texts = splitText(message.content);
  expect(texts).toHaveLength(3);
  expect(smsc.submits).toHaveLength(3);
  const reference = smsc.submits[0].udh![3];
  smsc.submits.forEach((s, i) => {
    expect([...s.udh!]).toEqual([5, 0, 3, reference, 3, i + 1]);
    expect(s.dataCoding).toBe(8);
    expect(s.bytes.equals(encodeText(texts[i], 8))).toBe(true);
  });
  const parts = await t.db('message_parts').where({ message_id: message.id }).orderBy('part_number');
  expect(parts.map((p: { carrier_message_id: string }) => p.carrier_message_id)).toEqual(smsc.submits.map((s) => s.messageId));
  expect(message.carrier_message_id).toBe(smsc.submits[0].messageId);
  // Two parts delivered: still awaiting; the third: delivered.
  for (const s of smsc.submits.slice(0, 2)) expect(await smsc.sendReceipt(s.messageId!, { stat: 'DELIVRD', form: 'text' })).toBe(0);
  await waitUntil('two parts applied', async () => (await t.db('message_parts').where({ message_id: message.id, status: 'delivered' })).length === 2);
  expect(await messageCounts(t.db, taskId)).toEqual({ submitted: 1 });
  await smsc.sendReceipt(smsc.submits[2].messageId!, { stat: 'DELIVRD', form: 'tlv' });
  await waitForStatus(taskId, { delivered: 1 });
  // The details page shows the message's part count.
  const admin = await loginAs(t.app, 'admin');
  expect((await admin.get(`/tasks/${taskId}`)).text).toMatch(/<td class="nowrap">\d+ \| 3<\/td>/);
});

test('a part that fails fails its message with that part\'s code; text receipts with decimal ids read as hex when the account says so', async () => {
  const smsc = await smscWith({ messageIds: 'hex', receiptIds: 'decimal' });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { receipt_id_format: 'decimal_to_hex' } });
  const { taskId } = await seedTask(t.db, phones(2));
  await waitForStatus(taskId, { submitted: 2 });
  const [a, b] = smsc.submits;
  expect(a.messageId).toMatch(/^[0-9A-F]+$/);
  await smsc.sendReceipt(a.messageId!, { stat: 'DELIVRD', form: 'text' });
  await smsc.sendReceipt(b.messageId!, { stat: 'UNDELIV', form: 'text', err: '012' });
  await waitForStatus(taskId, { delivered: 1, failed: 1 });
  const failed = await t.db('messages').where({ task_id: taskId, status: 'failed' }).first();
  expect({ code: failed.code, description: failed.description }).toEqual({ code: 'UNDELIV', description: 'err:012' });
  // A repeat of a receipt (our answer lost) changes nothing and is stored once.
  await smsc.sendReceipt(b.messageId!, { stat: 'UNDELIV', form: 'text', err: '012' });
  expect(Number((await t.db('carrier_receipt_inbox').count({ n: '*' }))[0].n)).toBe(2);
});

test('a receipt that arrives before its submit_sm_resp is kept and applied once the acceptance is recorded', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  smsc.queueAnswers({ kind: 'accept', receiptBefore: { stat: 'DELIVRD', form: 'text' } }, { kind: 'accept', receiptBefore: { stat: 'EXPIRED', form: 'tlv' } });
  const { taskId } = await seedTask(t.db, phones(2));
  await waitForStatus(taskId, { delivered: 1, failed: 1 });
  expect(Number((await t.db('orphan_receipts').count({ n: '*' }))[0].n)).toBe(0);
});

test('throttling (ESME_RTHROTTLED, ESME_RMSGQFUL) slows down and retries: no message fails, each reaches the SMSC accepted once', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  smsc.throttleNext(6);
  smsc.throttleNext(3, 0x14);
  const { taskId } = await seedTask(t.db, phones(20));
  await waitForStatus(taskId, { submitted: 20 });
  expect(smsc.submits).toHaveLength(29);
  const accepted = smsc.submits.filter((s) => s.status === 0);
  expect(new Set(accepted.map((s) => s.destination)).size).toBe(20);
  expect(accepted).toHaveLength(20);
  expect((await task(taskId)).failed_count).toBe(0);
});

test('another error status rejects the message with its SMPP:0x code', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  smsc.queueAnswers({ kind: 'status', status: 0x0b });
  const { taskId } = await seedTask(t.db, phones(3));
  await waitForStatus(taskId, { rejected: 1, submitted: 2 });
  const rejected = await t.db('messages').where({ task_id: taskId, status: 'rejected' }).first();
  expect({ code: rejected.code, description: rejected.description }).toEqual({ code: 'SMPP:0x0000000B', description: 'ESME_RINVDSTADR' });
});

test('a wrong password: the account shows why, its tasks wait (nothing fails); fixed, they are sent', async () => {
  const smsc = await smscWith();
  const id = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { password: 'wrong' });
  const { taskId } = await seedTask(t.db, phones(5));
  await waitUntil('the task to wait for its carrier', async () => (await task(taskId)).waiting_for_carrier_since !== null);
  const row = await account(id);
  expect(row.state).not.toBe('connected');
  await waitUntil('the bind refusal on the account', async () => /bind refused/.test((await account(id)).last_error ?? ''));
  expect(await messageCounts(t.db, taskId)).toEqual({ pending: 5 });
  expect((await task(taskId)).status).toBe('sending');
  const admin = await loginAs(t.app, 'admin');
  expect((await admin.get('/tasks')).text).toContain('data-waiting-for-carrier');
  expect((await admin.get(`/tasks/${taskId}`)).text).toContain('data-waiting-for-carrier-since');
  const { settings } = checkSmppSettings({ host: '127.0.0.1', port: smsc.port, system_id: 'qunfa' }, 'json');
  await updateAccount(t.db, t.config.secretKey, id, { name: 'smsc1', kind: 'smpp', settings, password: 'secret' });
  await waitForStatus(taskId, { submitted: 5 });
  expect((await task(taskId)).waiting_for_carrier_since).toBeNull();
  expect((await account(id)).state).toBe('connected');
});

test('the SMSC drops the line with a full window: it reconnects, the unanswered end unknown, nothing reaches the SMSC twice', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { window: 5 } });
  smsc.queueAnswers({ kind: 'accept' }, { kind: 'accept' }, { kind: 'silent' }, { kind: 'silent' }, { kind: 'silent' }, { kind: 'silent' }, { kind: 'drop' });
  const { taskId } = await seedTask(t.db, phones(40));
  await waitUntil('the task to complete', async () => (await task(taskId)).status === 'completed');
  const counts = await messageCounts(t.db, taskId);
  expect(counts.unknown).toBeGreaterThanOrEqual(5);
  expect(counts.submitted + counts.unknown).toBe(40);
  expect((await task(taskId)).unknown_count).toBe(counts.unknown);
  const atSmsc = smsc.countsBy((r) => r.destination);
  expect([...atSmsc.values()].every((n) => n === 1)).toBe(true);
  const unknown = await t.db('messages').where({ task_id: taskId, status: 'unknown' });
  expect(unknown.every((m: { code: string }) => m.code === 'SUBMIT_UNKNOWN')).toBe(true);
  // Every message not unknown reached the SMSC exactly once.
  const submitted = await t.db('messages').where({ task_id: taskId, status: 'submitted' });
  for (const m of submitted) expect(atSmsc.get(`86${m.phone}`)).toBe(1);
  expect(smsc.binds.filter((b) => b.accepted).length).toBeGreaterThanOrEqual(2);
});

test('an account that chose at-least-once sends the unanswered again after the reconnect', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { window: 5, resubmit_unanswered: true } });
  smsc.queueAnswers({ kind: 'accept' }, { kind: 'silent' }, { kind: 'drop' });
  const { taskId } = await seedTask(t.db, phones(10));
  await waitForStatus(taskId, { submitted: 10 });
  const atSmsc = smsc.countsBy((r) => r.destination);
  expect([...atSmsc.values()].filter((n) => n === 2).length).toBeGreaterThanOrEqual(2);
});

test('MO replies are stored with number, text, time and account, single and concatenated, before they are answered', async () => {
  const smsc = await smscWith();
  const id = await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  await waitUntil('the bind', async () => (await account(id)).state === 'connected');
  expect(await smsc.sendMo({ from: '8613800138000', to: '1069000', data_coding: 8, short_message: Buffer.from('退订', 'utf16le').swap16() })).toBe(0);
  const udh = (seq: number) => Buffer.from([5, 0, 3, 9, 2, seq]);
  const first = smsc.sendMo({ from: '8613900139000', to: '1069000', data_coding: 8, esm_class: 0x40, short_message: { udh: udh(1), message: '你好，' } });
  expect(await smsc.sendMo({ from: '8613900139000', to: '1069000', data_coding: 8, esm_class: 0x40, short_message: { udh: udh(2), message: '世界' } })).toBe(0);
  expect(await first).toBe(0);
  const rows = await t.db('inbound_messages').orderBy('id');
  expect(rows.map((r: { phone: string; text: string; account_id: number }) => [r.phone, r.text, r.account_id])).toEqual([
    ['13800138000', '退订', id],
    ['13900139000', '你好，世界', id],
  ]);
  expect(rows[0].received_at).toMatch(/^\d{4}-\d\d-\d\dT/);
});

test('enquire_link goes out at the account\'s interval', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { enquire_link_seconds: 5 } });
  await waitUntil('an enquire_link', () => smsc.enquireLinks >= 1, { timeoutMs: 15_000 });
});

test('routing: a task goes through its account; while that one is down, through the fallback; with both down it waits', async () => {
  const primary = await smscWith();
  const backup = await smscWith({ systemId: 'backup' });
  const backupId = await addSmppAccount(t.db, t.config.secretKey, backup.port, { name: 'backup', settings: { system_id: 'backup' }, route: false });
  const primaryId = await addSmppAccount(t.db, t.config.secretKey, primary.port, { name: 'primary', route: false });
  await routeAll(t.db, primaryId, backupId);
  await waitUntil('both bound', async () => (await account(primaryId)).state === 'connected' && (await account(backupId)).state === 'connected');
  const first = await seedTask(t.db, phones(3, '1391'));
  await waitForStatus(first.taskId, { submitted: 3 });
  expect([primary.submits.length, backup.submits.length]).toEqual([3, 0]);
  await primary.close();
  await waitUntil('the primary down', async () => (await account(primaryId)).state !== 'connected');
  const second = await seedTask(t.db, phones(4, '1392'));
  await waitForStatus(second.taskId, { submitted: 4 });
  expect(backup.submits.length).toBe(4);
  expect((await task(second.taskId)).carrier_account_id).toBe(primaryId);
  await backup.close();
  await waitUntil('the backup down', async () => (await account(backupId)).state !== 'connected');
  const third = await seedTask(t.db, phones(2, '1393'));
  await waitUntil('the third task to wait', async () => (await task(third.taskId)).waiting_for_carrier_since !== null);
  expect(await messageCounts(t.db, third.taskId)).toEqual({ pending: 2 });
});

test('from the send form and from the API, real messages reach the SMSC; receipts come back; the API counts them', async () => {
  const smsc = await smscWith({ autoReceipt: { stat: 'DELIVRD', form: 'text' } });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  const sigId = await approvedSignature(t.db, '群发');
  const templateId = await approvedTemplate(t.db, '您的快递已到，请及时取件。', 'notification', 'pickup');
  const admin = await loginAs(t.app, 'admin');
  const form = await postSendForm(admin, {
    smsType: 'notification', signatureId: String(sigId), templateId: String(templateId), recipientsMode: 'manual', sendMode: 'now', manualNumbers: '13800138000\n13800138001',
  });
  expect(form.status).toBe(303);
  const draft = /^\/tasks\/([^/]+)\/check$/.exec(form.headers.location)![1];
  const confirm = await admin.post(`/tasks/${draft}/confirm`).type('form').send({ _csrf: await tokenFor(admin, form.headers.location) });
  expect(confirm.status).toBe(303);
  // The confirm gives the draft its task id.
  const formTask = confirm.headers.location.split('/')[2];
  await waitForStatus(formTask, { delivered: 2 });
  expect(smsc.submits.map((s) => [s.destination, s.text])).toEqual([
    ['8613800138000', '【群发】您的快递已到，请及时取件。'],
    ['8613800138001', '【群发】您的快递已到，请及时取件。'],
  ]);

  const { key } = await createApiKey(t.db, { name: 'smpp', createdBy: 1 });
  const created = await request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send({ signature: sigId, template: templateId, recipients: [{ phone: '13900139000' }] });
  expect(created.status).toBe(201);
  const apiTask = created.body.task.id as string;
  await waitForStatus(apiTask, { delivered: 1 });
  expect(smsc.countsBy((r) => r.destination).get('8613900139000')).toBe(1);
  const shown = await request(t.app).get(`/api/v1/tasks/${apiTask}`).set('Authorization', `Bearer ${key}`);
  expect(shown.body.task.counts).toMatchObject({ delivered: 1, unknown: 0, failed: 0 });
});

test('unknown messages are counted on the task, on its page and in the API', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { window: 3 } });
  smsc.queueAnswers({ kind: 'silent' }, { kind: 'drop' });
  const { taskId } = await seedTask(t.db, phones(6));
  await waitUntil('the task to complete', async () => (await task(taskId)).status === 'completed');
  const unknown = (await messageCounts(t.db, taskId)).unknown;
  expect(unknown).toBeGreaterThanOrEqual(2);
  const admin = await loginAs(t.app, 'admin');
  expect((await admin.get(`/tasks/${taskId}`)).text).toContain(`data-count="unknown">${unknown}<`);
  const { key } = await createApiKey(t.db, { name: 'unknown', createdBy: 1 });
  const shown = await request(t.app).get(`/api/v1/tasks/${taskId}`).set('Authorization', `Bearer ${key}`);
  expect(shown.body.task.counts.unknown).toBe(unknown);
});

const LONG = '尊敬的客户，您好！您预订的商品已经发货，快递单号为SF1234567890，预计三天内送达，请保持电话畅通，如有疑问请联系客服热线。';

test('a part that fails fails its long message with that part\'s code; a later part delivered changes nothing', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  const { taskId } = await seedTask(t.db, phones(1), { content: LONG });
  await waitForStatus(taskId, { submitted: 1 });
  expect(smsc.submits).toHaveLength(2);
  const [first, second] = smsc.submits;
  await smsc.sendReceipt(second.messageId!, { stat: 'REJECTD', form: 'text', err: '045' });
  await waitForStatus(taskId, { failed: 1 });
  await smsc.sendReceipt(first.messageId!, { stat: 'DELIVRD', form: 'text' });
  await waitUntil('the part receipt applied', async () => (await t.db('message_parts').where({ status: 'delivered' })).length === 1);
  const message = await t.db('messages').where({ task_id: taskId }).first();
  expect({ status: message.status, code: message.code, description: message.description }).toEqual({ status: 'failed', code: 'REJECTD', description: 'err:045' });
  expect((await task(taskId)).failed_count).toBe(1);
  expect((await task(taskId)).delivered_count).toBe(0);
});

test('message_payload mode: a long message is one submit_sm with the whole text in the TLV', async () => {
  const smsc = await smscWith({ autoReceipt: { stat: 'DELIVRD', form: 'tlv' } });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { long_message_mode: 'message_payload' } });
  const { taskId } = await seedTask(t.db, phones(1), { content: LONG });
  await waitForStatus(taskId, { delivered: 1 });
  expect(smsc.submits).toHaveLength(1);
  const [message] = await t.db('messages').where({ task_id: taskId });
  expect(smsc.submits[0].udh).toBeNull();
  expect(smsc.submits[0].text).toBe(message.content);
  expect(await t.db('message_parts')).toEqual([]);
});

test('transmitter and receiver binds: submits go on the one, receipts and replies come on the other', async () => {
  const smsc = await smscWith({ autoReceipt: { stat: 'DELIVRD', form: 'text' } });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { bind_mode: 'transmitter_receiver' } });
  const { taskId } = await seedTask(t.db, phones(3));
  await waitForStatus(taskId, { delivered: 3 });
  expect(smsc.binds.map((b) => b.command).sort()).toEqual(['bind_receiver', 'bind_transmitter']);
});

test('a garbled receipt is answered, kept as unparseable (never applied) and logged; the message waits for a real one', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port);
  const { taskId } = await seedTask(t.db, phones(1));
  await waitForStatus(taskId, { submitted: 1 });
  expect(await smsc.sendReceipt('garbage', { stat: 'NOSUCHSTAT', form: 'text' })).toBe(0);
  await waitUntil('the unparseable row', async () => (await t.db('carrier_receipt_inbox').where('carrier_message_id', 'like', 'unparseable:%')).length === 1);
  expect(t.logLines.some((l) => l.includes('unparseable SMPP receipt'))).toBe(true);
  expect(await messageCounts(t.db, taskId)).toEqual({ submitted: 1 });
});

test('an account disabled at run time unbinds and shows down; enabled again, it binds again', async () => {
  const smsc = await smscWith();
  const fallback = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { name: 'spare', route: false });
  const id = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { route: false });
  await routeAll(t.db, fallback);
  await waitUntil('bound', async () => (await account(id)).state === 'connected');
  await setAccountEnabled(t.db, id, false);
  await waitUntil('down', async () => (await account(id)).state === 'down');
  await waitUntil('the unbind', () => smsc.unbinds >= 1);
  await setAccountEnabled(t.db, id, true);
  await waitUntil('bound again', async () => (await account(id)).state === 'connected');
});

test('TLS: an account with tls binds over TLS, sends and gets its receipts; a plain-text account cannot bind there', async () => {
  const smsc = await smscWith({ tls, autoReceipt: { stat: 'DELIVRD', form: 'tlv' } });
  const plain = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { name: 'plain', route: false });
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { tls: true } });
  const { taskId } = await seedTask(t.db, phones(2));
  await waitForStatus(taskId, { delivered: 2 });
  expect(smsc.binds.filter((b) => b.accepted)).toHaveLength(1);
  await waitUntil('the plain account down with a reason', async () => Boolean((await account(plain)).last_error));
  expect((await account(plain)).state).not.toBe('connected');
});

test('a dead host: the account shows the connection error and keeps retrying; its tasks wait', async () => {
  const smsc = await smscWith();
  const port = smsc.port;
  await smsc.close();
  const id = await addSmppAccount(t.db, t.config.secretKey, port);
  const { taskId } = await seedTask(t.db, phones(2));
  await waitUntil('the connection error on the account', async () => /ECONNREFUSED/.test((await account(id)).last_error ?? ''));
  await waitUntil('the task to wait', async () => (await task(taskId)).waiting_for_carrier_since !== null);
  expect(await messageCounts(t.db, taskId)).toEqual({ pending: 2 });
});

test('an SMSC that stops answering without closing the line: the session gives up after the response timeout, the unanswered end unknown, the rest go out after the reconnect', async () => {
  const smsc = await smscWith();
  await addSmppAccount(t.db, t.config.secretKey, smsc.port, { settings: { window: 2 } });
  smsc.queueAnswers({ kind: 'silent' }, { kind: 'silent' });
  const { taskId } = await seedTask(t.db, phones(6));
  await waitUntil('the task to complete', async () => (await task(taskId)).status === 'completed', { timeoutMs: 30_000 });
  expect(await messageCounts(t.db, taskId)).toEqual({ submitted: 4, unknown: 2 });
  const unknown = await t.db('messages').where({ task_id: taskId, status: 'unknown' }).first();
  expect(unknown.description).toMatch(/no submit_sm_resp within 3000 ms/);
  expect([...smsc.countsBy((r) => r.destination).values()].every((n) => n === 1)).toBe(true);
});
