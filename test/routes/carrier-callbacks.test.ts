import request from 'supertest';
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { createAccount } from '../../src/services/carriers.service';
import { callbackTokenOf } from '../../src/services/cloud-accounts.service';
import { storeReply } from '../../src/services/carrier-callbacks.service';

let t: TestApp;
let taskId: string;
const accounts: Record<string, { id: number; token: string }> = {};

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  for (const [name, kind, cloudSecrets] of [
    ['tx', 'tencent', { secret_id: 'AKIDx', secret_key: 'k' }],
    ['ali', 'aliyun', { access_key_id: 'LTAIx', access_key_secret: 's' }],
  ] as const) {
    const saved = await createAccount(t.db, t.config.secretKey, {
      name, kind, password: undefined, cloudSecrets,
      settings: { endpoint: 'http://127.0.0.1:9', region: 'ap-guangzhou', sdk_app_id: '1400000001', project_id: '', poll_seconds: 30 },
    });
    if (!saved.ok) throw new Error(name);
    const box = (await t.db('carrier_accounts').where({ id: saved.id }).first()).secrets;
    accounts[name] = { id: saved.id, token: callbackTokenOf(t.config.secretKey, box)! };
  }
  // Three messages "sent": one through Tencent (SerialNo), two through Alibaba (our call tag + phone).
  ({ taskId } = await seedTask(t.db, ['13900000001', '13900000002', '13900000003']));
  const ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').select('id')).map((r) => r.id as number);
  const refs = ['2640:000000000001', 'q7:13900000002', 'q7:13900000003'];
  for (const [i, id] of ids.entries()) {
    await t.db('messages').where({ id }).update({ status: 'submitted', carrier_message_id: refs[i], submitted_at: new Date().toISOString() });
  }
});
afterAll(() => t.close());

const url = (name: string, token = accounts[name].token) => `/carrier-callbacks/${accounts[name].id}/${token}`;
const statusOf = async (phone: string) => (await t.db('messages').where({ task_id: taskId, phone }).first()).status as string;
const replies = () => t.db('inbound_messages').orderBy('id').select('account_id', 'phone', 'text', 'carrier_ref');

test('a wrong token or account answers 404 and records nothing', async () => {
  const report = [{ user_receive_time: '2026-12-05 10:00:00', nationcode: '86', mobile: '13900000001', report_status: 'SUCCESS', errmsg: 'DELIVRD', description: 'ok', sid: '2640:000000000001' }];
  const wrongToken = 'x'.repeat(43);
  expect((await request(t.app).post(url('tx', wrongToken)).send(report)).status).toBe(404);
  expect((await request(t.app).post(`/carrier-callbacks/${accounts.ali.id}/${accounts.tx.token}`).send(report)).status).toBe(404);
  expect((await request(t.app).post(`/carrier-callbacks/99999/${accounts.tx.token}`).send(report)).status).toBe(404);
  expect(await statusOf('13900000001')).toBe('submitted');
  expect(await replies()).toEqual([]);
});

test('bodies are validated and size-limited: nothing half-read is stored', async () => {
  expect((await request(t.app).post(url('tx')).send([{ sid: 'x', mobile: '13900000001' }])).status).toBe(400);
  expect((await request(t.app).post(url('tx')).set('Content-Type', 'application/json').send('{not json')).status).toBe(400);
  const huge = JSON.stringify([{ phone_number: '13900000002', content: 'x'.repeat(300 * 1024), sequence_id: 1 }]);
  expect((await request(t.app).post(url('ali')).set('Content-Type', 'application/json').send(huge)).status).toBe(413);
  expect(await replies()).toEqual([]);
});

test('Tencent: a status report applies its receipt; a reply goes to the inbox once, even when also pulled', async () => {
  const report = [{ user_receive_time: '2026-12-05 10:00:00', nationcode: '86', mobile: '13900000001', report_status: 'SUCCESS', errmsg: 'DELIVRD', description: 'ok', sid: '2640:000000000001' }];
  const res = await request(t.app).post(url('tx')).send(report);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ result: 0, errmsg: 'OK' });
  expect(await statusOf('13900000001')).toBe('delivered');
  // Pushed twice: still delivered, nothing else changes.
  expect((await request(t.app).post(url('tx')).send(report)).status).toBe(200);

  const reply = { extend: '', mobile: '13900000001', nationcode: '86', sign: '腾讯云', text: '退订', time: 1_764_900_000 };
  expect((await request(t.app).post(url('tx')).send(reply)).status).toBe(200);
  expect((await request(t.app).post(url('tx')).send(reply)).status).toBe(200);
  // The same reply pulled (PullSmsReplyStatus gives the same number, time and text): not stored again.
  expect(await storeReply(t.db, accounts.tx.id, { phone: '+8613900000001', text: '退订', receivedAt: new Date(1_764_900_000_000), ref: '13900000001:1764900000:退订' })).toBeNull();
  expect(await replies()).toEqual([{ account_id: accounts.tx.id, phone: '13900000001', text: '退订', carrier_ref: '13900000001:1764900000:退订' }]);
});

test('Alibaba: SmsReport applies receipts by OutId and phone; SmsUp stores replies', async () => {
  const report = [
    { phone_number: '13900000002', send_time: '2026-12-05 10:00:00', report_time: '2026-12-05 10:00:05', success: true, err_code: 'DELIVERED', err_msg: '用户接收成功', sms_size: '1', biz_id: '900001^0', out_id: 'q7' },
    { phone_number: '13900000003', send_time: '2026-12-05 10:00:00', report_time: '2026-12-05 10:00:05', success: false, err_code: 'MOBILE_NOT_ON_SERVICE', err_msg: '停机', sms_size: '1', biz_id: '900001^0', out_id: 'q7' },
  ];
  const res = await request(t.app).post(url('ali')).send(report);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ code: 0, msg: '成功' });
  expect(await statusOf('13900000002')).toBe('delivered');
  expect(await statusOf('13900000003')).toBe('failed');
  expect((await t.db('messages').where({ task_id: taskId, phone: '13900000003' }).first()).code).toBe('ALIYUN:MOBILE_NOT_ON_SERVICE');

  const up = [{ phone_number: '13900000002', send_time: '2026-12-05 10:01:00', content: '收到', sign_name: '阿里云', dest_code: '1234', sequence_id: 556677 }];
  expect((await request(t.app).post(url('ali')).send(up)).status).toBe(200);
  expect((await request(t.app).post(url('ali')).send(up)).status).toBe(200);
  expect((await replies()).filter((r) => r.account_id === accounts.ali.id)).toEqual([{ account_id: accounts.ali.id, phone: '13900000002', text: '收到', carrier_ref: 'seq:556677' }]);
});
