import request from 'supertest';
import { fieldError, inputValue, type Agent, type TestApp } from '../helpers/app';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { approvedTemplate } from '../helpers/catalogue';
import { createApiKey } from '../../src/services/api-keys.service';
import { addOptOut } from '../../src/services/opt-outs.service';
import { localDay, daysBefore } from '../../src/opt-outs/cap-days';

/** Issue 14: a marketing task scheduled inside quiet hours (default 21:00–08:00, the default zone) is refused. */

let t: TestApp;
let member: Agent;
let sigId: number;
let plainId: number;
let promoId: number;
let key: string;

beforeAll(async () => {
  ({ t, member, sigId, plainId } = await sendFormApp());
  promoId = await approvedTemplate(t.db, '新品上市，全场五折。回T退订', 'marketing', 'promo');
  ({ key } = await createApiKey(t.db, { name: 'k', createdBy: 1 }));
});
afterAll(() => t.close());

/** Tomorrow and the day after, as local days in the test app's zone (Asia/Shanghai, no DST). */
const tomorrow = () => daysBefore(localDay(new Date(), 'Asia/Shanghai'), -1);
const dayAfter = () => daysBefore(localDay(new Date(), 'Asia/Shanghai'), -2);

function form(extra: Record<string, string>) {
  return { smsType: 'marketing', signatureId: String(sigId), templateId: String(promoId), recipientsMode: 'manual', manualNumbers: '13800138000', sendMode: 'scheduled', ...extra };
}

test('the form: scheduled at 22:00 is refused (422) with the first allowed time, what was typed kept', async () => {
  const res = await postSendForm(member, form({ sendAt: `${tomorrow()}T22:00` }));
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'sendAt')).toBe(
    `That time is inside the quiet hours for marketing (21:00–08:00, Asia/Shanghai). The first allowed time is ${dayAfter()} 08:00 (Asia/Shanghai).`,
  );
  expect(inputValue(res.text, 'sendAt')).toBe(`${tomorrow()}T22:00`);
  expect(await t.db('tasks').count({ n: '*' }).first()).toEqual({ n: 0 });
});

test('the form: 07:59 is refused, 08:00 and 20:59 are accepted; notification at 22:00 is accepted', async () => {
  expect((await postSendForm(member, form({ sendAt: `${tomorrow()}T07:59` }))).status).toBe(422);
  expect((await postSendForm(member, form({ sendAt: `${tomorrow()}T08:00` }))).status).toBe(303);
  expect((await postSendForm(member, form({ sendAt: `${tomorrow()}T20:59` }))).status).toBe(303);
  expect((await postSendForm(member, form({ smsType: 'notification', templateId: String(plainId), sendAt: `${tomorrow()}T22:00` }))).status).toBe(303);
});

test('the form: with quiet hours switched off, 22:00 is accepted', async () => {
  const rules = { optOutKeywords: ['T'], transactionalExempt: true, quietHours: { enabled: false, start: '21:00', end: '08:00', timeZone: '' }, frequencyCaps: { perDay: 0, perPeriod: 0, periodDays: 7 } };
  await t.db('settings').insert({ key: 'sendRules', value: JSON.stringify(rules), updated_at: new Date().toISOString() });
  try {
    expect((await postSendForm(member, form({ sendAt: `${tomorrow()}T22:00` }))).status).toBe(303);
  } finally {
    await t.db('settings').where({ key: 'sendRules' }).delete();
  }
});

describe('the API', () => {
  const post = (body: object) => request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send(body);

  test('send_at inside quiet hours: 422 validation_failed on send_at', async () => {
    const res = await post({ signature: sigId, template: promoId, send_at: `${tomorrow()}T23:30:00+08:00`, recipients: [{ phone: '13800138000' }] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.send_at).toContain(`The first allowed time is ${dayAfter()} 08:00`);
  });

  test('an opted-out number is a refused row of the report, with its reason code', async () => {
    await addOptOut(t.db, { phone: '13800138001', reason: '', source: 'manual', actor: { userId: 1, apiKeyId: null } });
    const res = await post({ signature: sigId, template: promoId, send_at: `${tomorrow()}T10:00:00+08:00`, recipients: [{ phone: '13800138000' }, { phone: '13800138001' }] });
    expect(res.status).toBe(201);
    expect(res.body.task.recipient_count).toBe(1);
    expect(res.body.report.invalid).toEqual([expect.objectContaining({ row: 2, value: '13800138001', reason: 'opted_out', message: 'on the opt-out list' })]);
  });
});
