import request from 'supertest';
import { tokenFor, type Agent, type TestApp } from '../helpers/app';
import { createApiKey } from '../../src/services/api-keys.service';
import { postSendForm, sendFormApp } from '../helpers/send-form';
import { insertCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { saveRoutes } from '../../src/queries/carrier-routes.queries';

let t: TestApp;
let member: Agent;
let sigId: number;
let plainId: number;
let stubId: number;
let smscId: number;

beforeAll(async () => {
  ({ t, member, sigId, plainId } = await sendFormApp());
  stubId = (await t.db('carrier_accounts').where({ name: 'Built-in simulator' }).first('id')).id;
  smscId = await insertCarrierAccount(t.db, { name: 'smsc-north', kind: 'smpp', settings: {}, state: 'down' });
});
afterAll(() => t.close());

const routeNotificationTo = (id: number) =>
  saveRoutes(t.db, { verification: { primary: stubId, fallback: null }, notification: { primary: id, fallback: null }, marketing: { primary: stubId, fallback: null } });

const viaLine = (html: string) => /<p class="hint" data-preview-via>([^<]*)<\/p>/.exec(html)?.[1];

test('the send form preview names the account the template\'s SMS type is routed to', async () => {
  const url = `/tasks/preview?signatureId=${sigId}&templateId=${plainId}`;
  expect(viaLine((await member.get(url)).text)).toBe('Sent via Built-in simulator');
  expect(viaLine((await member.get(`/tasks/new?smsType=notification&signatureId=${sigId}&templateId=${plainId}`)).text)).toBe('Sent via Built-in simulator');
  await routeNotificationTo(smscId);
  expect(viaLine((await member.get(url)).text)).toBe('Sent via smsc-north');
  await routeNotificationTo(stubId);
});

test('the route is frozen into the task at confirm: a later routing change does not move it', async () => {
  await routeNotificationTo(smscId);
  const res = await postSendForm(member, { smsType: 'notification', signatureId: String(sigId), templateId: String(plainId), recipientsMode: 'manual', sendMode: 'now', manualNumbers: '13800138000' });
  expect(res.status).toBe(303);
  const checkUrl = res.headers.location as string;
  const draft = checkUrl.split('/')[2];
  expect((await t.db('tasks').where({ id: draft }).first()).carrier_account_id).toBeNull();
  expect(viaLine((await member.get(checkUrl)).text)).toBe('Sent via smsc-north');
  const _csrf = await tokenFor(member, checkUrl);
  const confirm = await member.post(`/tasks/${draft}/confirm`).type('form').send({ _csrf });
  expect(confirm.status).toBe(303);
  const id = confirm.headers.location.split('/')[2];
  expect((await t.db('tasks').where({ id }).first()).carrier_account_id).toBe(smscId);

  await routeNotificationTo(stubId);
  expect((await t.db('tasks').where({ id }).first()).carrier_account_id).toBe(smscId);
  // The draft's old link leads to the confirmed task's report.
  const old = await member.get(checkUrl);
  expect([old.status, old.headers.location]).toEqual([303, `/tasks/${id}/check`]);
  expect(viaLine((await member.get(`/tasks/${id}/check`)).text)).toBe('Sent via smsc-north');
});

test('a task created through the API is frozen to the route of its type too', async () => {
  await routeNotificationTo(smscId);
  const { key } = await createApiKey(t.db, { name: 'routing', createdBy: 1 });
  const res = await request(t.app).post('/api/v1/tasks').set('Authorization', `Bearer ${key}`).send({ signature: sigId, template: plainId, recipients: [{ phone: '13800138009' }] });
  expect(res.status).toBe(201);
  expect((await t.db('tasks').where({ id: res.body.task.id }).first()).carrier_account_id).toBe(smscId);
  await routeNotificationTo(stubId);
});
