import request from 'supertest';
import { addUser, fieldError, flashText, formFields, inputValue, loginAs, makeTestApp, postForm, selectedOption, tokenFor, type Agent, type TestApp } from '../helpers/app';
import { seedTask } from '../helpers/tasks';
import { openSecrets } from '../../src/secrets/secret-box';

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
});
afterAll(() => t.close());

const smpp = (over: Record<string, string> = {}) => ({
  name: 'smsc1', kind: 'smpp', host: 'smsc.example.net', port: '2775', system_id: 'qunfa', password: 's3cret', system_type: '',
  bind_mode: 'transceiver', source_addr: 'Qunfa', source_ton: '5', source_npi: '0', dest_ton: '1', dest_npi: '1', window: '10', tps: '50',
  enquire_link_seconds: '30', long_message_mode: 'udh', receipt_id_format: 'as_is', ...over,
});

async function accountId(name: string): Promise<number> {
  return (await t.db('carrier_accounts').where({ name }).first('id')).id;
}

test('a fresh install has the built-in simulator, connected, routed for all three SMS types', async () => {
  const res = await admin.get('/carriers');
  expect(res.status).toBe(200);
  expect(res.text).toContain('Built-in simulator');
  expect(res.text).toContain('data-state="connected"');
  const stub = await accountId('Built-in simulator');
  for (const type of ['verification', 'notification', 'marketing']) {
    expect(selectedOption(res.text, `${type}_primary`)).toBe(String(stub));
    expect(selectedOption(res.text, `${type}_fallback`)).toBe('');
  }
});

test('members get 403 on every carriers page and action; visitors are sent to log in', async () => {
  const stub = await accountId('Built-in simulator');
  const _csrf = await tokenFor(member, '/tasks');
  for (const url of ['/carriers', '/carriers/new', `/carriers/${stub}/edit`]) expect([url, (await member.get(url)).status]).toEqual([url, 403]);
  for (const url of ['/carriers', '/carriers/routes', `/carriers/${stub}`, `/carriers/${stub}/disable`, `/carriers/${stub}/delete`]) {
    expect([url, (await member.post(url).type('form').send({ ...smpp({ name: 'm' }), _csrf })).status]).toEqual([url, 403]);
  }
  expect((await request(t.app).get('/carriers')).headers.location).toBe('/login?next=%2Fcarriers');
  expect(await t.db('carrier_accounts').count({ n: '*' })).toEqual([{ n: 1 }]);
});

describe('creating and editing an SMPP account', () => {
  test('created with its settings, the password sealed, never rendered; a new SMPP account shows "not connected yet"', async () => {
    const res = await postForm(admin, '/carriers', smpp(), '/carriers/new');
    expect(res.status).toBe(303);
    const row = await t.db('carrier_accounts').where({ name: 'smsc1' }).first();
    expect(row.kind).toBe('smpp');
    expect(JSON.parse(row.settings)).toEqual({
      host: 'smsc.example.net', port: 2775, tls: false, system_id: 'qunfa', system_type: '', bind_mode: 'transceiver', source_addr: 'Qunfa',
      source_ton: 5, source_npi: 0, dest_ton: 1, dest_npi: 1, window: 10, tps: 50, enquire_link_seconds: 30, long_message_mode: 'udh',
      receipt_id_format: 'as_is', resubmit_unanswered: false,
    });
    expect(row.secrets).not.toContain('s3cret');
    expect(openSecrets(t.config.secretKey, row.secrets)).toEqual({ password: 's3cret' });
    const list = await admin.get('/carriers');
    expect(list.text).toContain('Down — not connected yet');
    const edit = await admin.get(`/carriers/${row.id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.text).not.toContain('s3cret');
    expect(edit.text).not.toContain(row.secrets);
    expect(inputValue(edit.text, 'host')).toBe('smsc.example.net');
    expect(inputValue(edit.text, 'password')).toBe('');
    expect(edit.text).toContain('Leave empty to keep it.');
    expect(t.logLines.join('\n')).not.toContain('s3cret');
  });

  test('edit with the password left empty keeps it; a new one replaces it', async () => {
    const id = await accountId('smsc1');
    const page = await admin.get(`/carriers/${id}/edit`);
    const fields = formFields(page.text, `/carriers/${id}`);
    expect((await postForm(admin, `/carriers/${id}`, { ...fields, window: '50', password: '' }, `/carriers/${id}/edit`)).status).toBe(303);
    let row = await t.db('carrier_accounts').where({ id }).first();
    expect(JSON.parse(row.settings).window).toBe(50);
    expect(openSecrets(t.config.secretKey, row.secrets)).toEqual({ password: 's3cret' });
    expect((await postForm(admin, `/carriers/${id}`, { ...fields, password: 'n3w' }, `/carriers/${id}/edit`)).status).toBe(303);
    row = await t.db('carrier_accounts').where({ id }).first();
    expect(openSecrets(t.config.secretKey, row.secrets)).toEqual({ password: 'n3w' });
  });

  test.each([
    ['port', { port: '70000' }, 'A whole number from 1 to 65535.'],
    ['port', { port: '27x5' }, 'A whole number from 1 to 65535.'],
    ['host', { host: '' }, 'Required.'],
    ['host', { host: 'bad host' }, 'Contains characters that are not allowed here.'],
    ['system_id', { system_id: 'x'.repeat(16) }, 'At most 15 characters.'],
    ['password', { password: '' }, 'Required.'],
    ['password', { password: '123456789' }, 'At most 8 characters.'],
    ['window', { window: '0' }, 'A whole number from 1 to 1000.'],
    ['bind_mode', { bind_mode: 'sideways' }, 'Choose one of the options.'],
    ['name', { name: '   ' }, 'Required.'],
    ['name', { name: 'Built-in simulator' }, 'Another account has this name.'],
    ['kind', { kind: 'carrier-pigeon' }, 'Choose a kind.'],
  ])('a bad %s re-renders the form with 422, its message, the input kept and never the password', async (fieldName, over, message) => {
    const before = await t.db('carrier_accounts').count({ n: '*' });
    const body = smpp({ name: 'smsc-bad', host: 'keep.example.net', ...over });
    const res = await postForm(admin, '/carriers', body, '/carriers/new');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, fieldName)).toBe(message);
    if (fieldName !== 'host') expect(inputValue(res.text, 'host')).toBe('keep.example.net');
    if (fieldName !== 'name') expect(inputValue(res.text, 'name')).toBe('smsc-bad');
    expect(inputValue(res.text, 'password')).toBe('');
    if (body.password) expect(res.text).not.toContain(`value="${body.password}"`);
    expect(await t.db('carrier_accounts').count({ n: '*' })).toEqual(before);
  });

  test('a bad edit re-renders with 422 and changes nothing; a name taken by another account is refused', async () => {
    const id = await accountId('smsc1');
    const before = await t.db('carrier_accounts').where({ id }).first();
    const res = await postForm(admin, `/carriers/${id}`, smpp({ name: 'Built-in simulator', password: '' }), `/carriers/${id}/edit`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'name')).toBe('Another account has this name.');
    expect(await t.db('carrier_accounts').where({ id }).first()).toEqual(before);
  });

  test('odd bodies (arrays, unknown ids) never give a 500', async () => {
    const _csrf = await tokenFor(admin, '/carriers');
    expect((await admin.post('/carriers').type('form').send(`_csrf=${_csrf}&name=a&name=b&kind=smpp&port=1&port=2`)).status).toBe(422);
    expect((await admin.post('/carriers/999999').type('form').send({ ...smpp(), _csrf })).status).toBe(404);
    expect((await admin.post('/carriers/abc/delete').type('form').send({ _csrf })).status).toBe(404);
    expect((await admin.get('/carriers/0/edit')).status).toBe(404);
  });
});

describe('routing', () => {
  test('routes saved per SMS type with an optional fallback', async () => {
    const stub = await accountId('Built-in simulator');
    const smsc = await accountId('smsc1');
    const res = await postForm(admin, '/carriers/routes', {
      verification_primary: String(smsc), verification_fallback: String(stub),
      notification_primary: String(stub), notification_fallback: '',
      marketing_primary: String(stub), marketing_fallback: String(smsc),
    }, '/carriers');
    expect(res.status).toBe(303);
    const routes = await t.db('carrier_routes').orderBy('sms_type').select('sms_type', 'primary_account_id', 'fallback_account_id');
    expect(routes).toEqual([
      { sms_type: 'marketing', primary_account_id: stub, fallback_account_id: smsc },
      { sms_type: 'notification', primary_account_id: stub, fallback_account_id: null },
      { sms_type: 'verification', primary_account_id: smsc, fallback_account_id: stub },
    ]);
    expect(flashText((await admin.get('/carriers')).text)).toBe('Routing saved.');
  });

  test('a fallback equal to its primary, an unknown or a missing account: 422 per field, input kept, nothing saved', async () => {
    const stub = await accountId('Built-in simulator');
    const before = await t.db('carrier_routes').orderBy('sms_type');
    const res = await postForm(admin, '/carriers/routes', {
      verification_primary: String(stub), verification_fallback: String(stub),
      notification_primary: '999999', notification_fallback: '',
      marketing_primary: '', marketing_fallback: 'x',
    }, '/carriers');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'verification_fallback')).toBe('The fallback must be another account.');
    expect(fieldError(res.text, 'notification_primary')).toBe('This account does not exist (any more).');
    expect(fieldError(res.text, 'marketing_primary')).toBe('Choose an account.');
    expect(fieldError(res.text, 'marketing_fallback')).toBe('This account does not exist (any more).');
    expect(selectedOption(res.text, 'verification_fallback')).toBe(String(stub));
    expect(await t.db('carrier_routes').orderBy('sms_type')).toEqual(before);
  });

  test('a disabled account cannot be routed to', async () => {
    const created = await postForm(admin, '/carriers', smpp({ name: 'spare' }), '/carriers/new');
    expect(created.status).toBe(303);
    const spare = await accountId('spare');
    expect((await postForm(admin, `/carriers/${spare}/disable`, {}, '/carriers')).status).toBe(303);
    const stub = await accountId('Built-in simulator');
    const res = await postForm(admin, '/carriers/routes', {
      verification_primary: String(spare), verification_fallback: '', notification_primary: String(stub), notification_fallback: '', marketing_primary: String(stub), marketing_fallback: '',
    }, '/carriers');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'verification_primary')).toBe('This account is disabled.');
  });
});

describe('disable and delete', () => {
  test('an account a route uses cannot be disabled or deleted, with the reason', async () => {
    const smsc = await accountId('smsc1');
    for (const action of ['disable', 'delete']) {
      const res = await postForm(admin, `/carriers/${smsc}/${action}`, {}, '/carriers');
      expect(res.status).toBe(303);
      expect(flashText((await admin.get('/carriers')).text)).toBe('Not done: the routing sends Verification code, Marketing through this account. Change the routing first.');
    }
    const row = await t.db('carrier_accounts').where({ id: smsc }).first();
    expect(Boolean(row.enabled)).toBe(true);
  });

  test('an account a task was routed to cannot be deleted, with the reason; an unused one is deleted', async () => {
    const spare = await accountId('spare');
    const { taskId } = await seedTask(t.db, ['13800138000']);
    await t.db('tasks').where({ id: taskId }).update({ carrier_account_id: spare });
    const res = await postForm(admin, `/carriers/${spare}/delete`, {}, '/carriers');
    expect(res.status).toBe(303);
    expect(flashText((await admin.get('/carriers')).text)).toBe('Not deleted: a task was routed to this account. Disable it instead.');
    expect(await t.db('carrier_accounts').where({ id: spare }).first()).toBeDefined();
    await t.db('tasks').where({ id: taskId }).update({ carrier_account_id: null });
    expect((await postForm(admin, `/carriers/${spare}/delete`, {}, '/carriers')).status).toBe(303);
    expect(await t.db('carrier_accounts').where({ id: spare }).first()).toBeUndefined();
  });
});
