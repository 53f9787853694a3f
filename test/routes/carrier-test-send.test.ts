/**
 * "Test send" on /carriers (issue 10): an admin sends one message through an account and sees the carrier's answer,
 * then the receipt; bad input comes back with 422 and what was typed; an account that is down says why; members 403.
 */
import request from 'supertest';
import { addUser, fieldError, flashText, inputValue, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { TestSmsc } from '../helpers/smsc';
import { addSmppAccount } from '../helpers/smpp-account';
import { waitUntil } from '../helpers/app-process';

jest.setTimeout(60_000);

let t: TestApp;
let smsc: TestSmsc;
let admin: Agent;
let accountId: number;

beforeAll(async () => {
  t = await makeTestApp({ dispatch: 'accounts', smpp: { minBackoffMs: 50, maxBackoffMs: 300, stopWaitMs: 200 } });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
  accountId = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { route: false });
  admin = await loginAs(t.app, 'admin');
});

afterAll(async () => {
  await t.close();
  await smsc.close();
});

const page = (id = accountId) => admin.get(`/carriers/${id}/test-send`);

test('the list links each enabled account to its test send page', async () => {
  expect((await admin.get('/carriers')).text).toContain(`href="/carriers/${accountId}/test-send"`);
  const res = await page();
  expect(res.status).toBe(200);
  expect(res.text).toContain('No test message sent through this account yet.');
});

test('a bad number or an empty text comes back with 422, the field messages and what was typed', async () => {
  const res = await postForm(admin, `/carriers/${accountId}/test-send`, { phone: '12345', text: '' }, `/carriers/${accountId}/test-send`);
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'phone')).toBe('A mainland mobile number: 11 digits starting with 1.');
  expect(fieldError(res.text, 'text')).toBe('Type the text to send.');
  expect(inputValue(res.text, 'phone')).toBe('12345');
  expect(smsc.submits).toHaveLength(0);
});

test('sent: the SMSC gets it, the page shows the carrier\'s answer, then the receipt once it arrives', async () => {
  await waitUntil('the bind', async () => (await t.db('carrier_accounts').where({ id: accountId }).first()).state === 'connected');
  const res = await postForm(admin, `/carriers/${accountId}/test-send`, { phone: '138 0013 8000', text: '测试短信 test' }, `/carriers/${accountId}/test-send`);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/carriers/${accountId}/test-send`);
  expect(smsc.submits.map((s) => [s.destination, s.text])).toEqual([['8613800138000', '测试短信 test']]);
  const id = smsc.submits[0].messageId!;
  const shown = await page();
  expect(flashText(shown.text)).toBe('Test message to 13800138000 accepted by the carrier.');
  expect(shown.text).toContain(`Accepted, carrier id ${id}`);
  expect(shown.text).toContain('data-awaiting-receipt');
  expect(await smsc.sendReceipt(id, { stat: 'DELIVRD', form: 'text' })).toBe(0);
  await waitUntil('the receipt on the page', async () => (await page()).text.includes('<code>DELIVRD</code>'));
  expect((await page()).text).not.toContain('data-awaiting-receipt');
});

test('a refusal shows the SMSC\'s code and remark', async () => {
  smsc.queueAnswers({ kind: 'status', status: 0x0b });
  await postForm(admin, `/carriers/${accountId}/test-send`, { phone: '13800138001', text: 'x' }, `/carriers/${accountId}/test-send`);
  const shown = await page();
  expect(flashText(shown.text)).toBe('Test message to 13800138001 refused by the carrier: see its answer below.');
  expect(shown.text).toContain('<code>SMPP:0x0000000B</code>');
});

test('an account that is down says why, and nothing is sent', async () => {
  const down = await addSmppAccount(t.db, t.config.secretKey, smsc.port, { name: 'wrong password', password: 'nope', route: false });
  await waitUntil('the refusal', async () => /bind refused/.test((await t.db('carrier_accounts').where({ id: down }).first()).last_error ?? ''));
  const before = smsc.submits.length;
  await postForm(admin, `/carriers/${down}/test-send`, { phone: '13800138002', text: 'x' }, `/carriers/${down}/test-send`);
  expect(flashText((await page(down)).text)).toMatch(/^wrong password is not connected \(bind refused: .*\): nothing was sent\.$/);
  expect(smsc.submits.length).toBe(before);
});

test('members get 403', async () => {
  const member = await loginAs(t.app, 'member');
  expect((await member.get(`/carriers/${accountId}/test-send`)).status).toBe(403);
  expect((await request(t.app).get(`/carriers/${accountId}/test-send`)).status).toBe(303);
});
