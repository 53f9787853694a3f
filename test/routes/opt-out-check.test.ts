import { loginAs, postForm, type Agent, type TestApp } from '../helpers/app';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { approvedTemplate } from '../helpers/catalogue';
import { addOptOut } from '../../src/services/opt-outs.service';
import { localDay } from '../../src/opt-outs/cap-days';

let t: TestApp;
let member: Agent;
let admin: Agent;
let sigId: number;
let plainId: number;
let promoId: number;

beforeAll(async () => {
  ({ t, member, sigId, plainId } = await sendFormApp());
  promoId = await approvedTemplate(t.db, '新品上市，全场五折。回T退订', 'marketing', 'promo');
  admin = await loginAs(t.app, 'admin');
  await addOptOut(t.db, { phone: '13800138001', reason: 'asked by phone', source: 'manual', actor: { userId: 1, apiKeyId: null } });
});
afterAll(() => t.close());

const NUMBERS = '13800138000\n13800138001\n13800138002';

async function check(smsType: 'marketing' | 'notification') {
  const res = await postSendForm(member, { smsType, signatureId: String(sigId), templateId: String(smsType === 'marketing' ? promoId : plainId), recipientsMode: 'manual', sendMode: 'now', manualNumbers: NUMBERS });
  expect(res.status).toBe(303);
  const taskId = /\/tasks\/([^/]+)\/check/.exec(res.headers.location)![1];
  const page = await member.get(res.headers.location);
  const refused = await t.db('task_invalid_rows').where({ task_id: taskId }).orderBy('row_number').select('row_number', 'value', 'reason');
  const task = await t.db('tasks').where({ id: taskId }).first('recipient_count', 'invalid_count');
  return { page: page.text, refused, task };
}

async function setRules(change: Record<string, string>) {
  const fields = { optOutKeywords: 'T', transactionalExempt: '1', quietStart: '21:00', quietEnd: '08:00', quietTimeZone: '', capPerDay: '0', capPerPeriod: '0', capPeriodDays: '7', ...change };
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
  expect((await postForm(admin, '/settings/send-rules', clean, '/settings')).status).toBe(303);
}

test('marketing: an opted-out number is a refused row with its own reason, and counted', async () => {
  const { page, refused, task } = await check('marketing');
  expect(refused).toEqual([{ row_number: 2, value: '13800138001', reason: 'opted_out' }]);
  expect(task).toEqual({ recipient_count: 2, invalid_count: 1 });
  expect(page).toMatch(/data-count="valid">2</);
  expect(page).toMatch(/data-count="invalid">1</);
  expect(page).toContain('on the opt-out list');
  expect(page).toMatch(/data-count="optedOut">1</);
  expect(page).not.toContain('data-count="capped"');
});

test('notification: exempt by default; refused too when the exemption is switched off', async () => {
  expect((await check('notification')).refused).toEqual([]);
  await setRules({ transactionalExempt: '' });
  expect((await check('notification')).refused).toEqual([{ row_number: 2, value: '13800138001', reason: 'opted_out' }]);
  await setRules({});
});

test('marketing: a number already at the daily cap is refused with the cap as its reason', async () => {
  await setRules({ capPerDay: '1' });
  await t.db('marketing_send_counts').insert({ phone: '13800138002', day: localDay(new Date(), 'Asia/Shanghai'), count: 1 });
  const { refused, task } = await check('marketing');
  expect(refused).toEqual([
    { row_number: 2, value: '13800138001', reason: 'opted_out' },
    { row_number: 3, value: '13800138002', reason: 'frequency_cap' },
  ]);
  expect(task.recipient_count).toBe(1);
  expect((await check('marketing')).page).toMatch(/data-count="capped">1</);
  await setRules({});
  expect((await check('marketing')).refused).toEqual([{ row_number: 2, value: '13800138001', reason: 'opted_out' }]);
});
