import { addUser, fieldError, flashText, formFields, inputValue, loginAs, makeTestApp, postForm, textareaValue, type Agent, type TestApp } from '../helpers/app';
import { getSettings } from '../../src/services/settings.service';

let t: TestApp;
let admin: Agent;
let member: Agent;
let GOOD: Record<string, string>;

beforeAll(async () => {
  t = await makeTestApp({ env: { timeZone: 'Europe/Berlin' } });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
  GOOD = formFields((await admin.get('/settings')).text, '/settings/send-rules');
});
afterAll(() => t.close());

describe('/settings: send rules (issue 14)', () => {
  test('the defaults: the six keywords, exempt, quiet hours 21:00–08:00 on in the default zone, no caps', async () => {
    expect(GOOD).toEqual({
      optOutKeywords: 'T\nTD\n退订\nN\nSTOP\nUNSUBSCRIBE',
      transactionalExempt: '1',
      quietEnabled: '1',
      quietStart: '21:00',
      quietEnd: '08:00',
      quietTimeZone: '',
      capPerDay: '0',
      capPerPeriod: '0',
      capPeriodDays: '7',
    });
  });

  test('saved, and the main settings form is left as it was', async () => {
    const before = await t.db('settings').select('key');
    const res = await postForm(admin, '/settings/send-rules', { ...GOOD, optOutKeywords: 'T\n退订\nBYE', transactionalExempt: '', quietStart: '22:30', quietEnd: '07:00', quietTimeZone: 'Asia/Shanghai', capPerDay: '1', capPerPeriod: '3' }, '/settings');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings#send-rules');
    const s = await getSettings(t.db, t.config);
    expect(s.sendRules).toEqual({
      optOutKeywords: ['T', '退订', 'BYE'],
      transactionalExempt: false,
      quietHours: { enabled: true, start: '22:30', end: '07:00', timeZone: 'Asia/Shanghai' },
      frequencyCaps: { perDay: 1, perPeriod: 3, periodDays: 7 },
    });
    expect(s.timeZone).toBe('Europe/Berlin');
    expect((await t.db('settings').select('key')).length).toBe(before.length + 1);
    const page = await admin.get('/settings');
    expect(flashText(page.text)).toBe('Send rules saved.');
    expect(inputValue(page.text, 'quietStart')).toBe('22:30');
    expect(textareaValue(page.text, 'optOutKeywords')).toBe('T\n退订\nBYE');
  });

  test.each([
    ['zero-length window', { quietStart: '21:00', quietEnd: '21:00' }, 'quietEnd', 'The window must not start and end at the same time.'],
    ['empty start', { quietStart: '' }, 'quietStart', 'This field is required.'],
    ['not a time', { quietEnd: '25:00' }, 'quietEnd', 'Enter a time as HH:MM, e.g. 21:00.'],
    ['unknown zone', { quietTimeZone: 'Mars/Base' }, 'quietTimeZone', 'Not a known time zone. Use an IANA name such as Asia/Shanghai.'],
    ['no keywords', { optOutKeywords: ' \n ' }, 'optOutKeywords', 'Keep at least one keyword.'],
    ['period cap under daily cap', { capPerDay: '3', capPerPeriod: '2' }, 'capPerPeriod', 'The cap over the period must not be below the daily cap.'],
    ['negative cap', { capPerDay: '-1' }, 'capPerDay', undefined],
  ])('%s: 422 with the field message, what was typed kept, nothing saved', async (_name, change, fieldName, message) => {
    const before = await getSettings(t.db, t.config);
    const res = await postForm(admin, '/settings/send-rules', { ...GOOD, ...change }, '/settings');
    expect(res.status).toBe(422);
    const shown = fieldError(res.text, fieldName);
    if (message) expect(shown).toBe(message);
    else expect(shown).toBeTruthy();
    const [key, value] = Object.entries(change)[0];
    if (key === 'optOutKeywords') expect(textareaValue(res.text, key)).toBe(value);
    else expect(inputValue(res.text, key)).toBe(value);
    expect(await getSettings(t.db, t.config)).toEqual(before);
  });

  test('switching quiet hours off is kept', async () => {
    const { quietEnabled: _on, ...off } = GOOD;
    expect((await postForm(admin, '/settings/send-rules', off, '/settings')).status).toBe(303);
    expect((await getSettings(t.db, t.config)).sendRules.quietHours.enabled).toBe(false);
  });

  test('members cannot change them', async () => {
    const res = await postForm(member, '/settings/send-rules', { ...GOOD, capPerDay: '5' }, '/tasks');
    expect(res.status).toBe(403);
    expect((await getSettings(t.db, t.config)).sendRules.frequencyCaps.perDay).not.toBe(5);
  });

  test('a stored value missing parts (hand-edited) keeps the defaults for them; the page still shows', async () => {
    await t.db('settings').where({ key: 'sendRules' }).delete();
    await t.db('settings').insert({ key: 'sendRules', value: JSON.stringify({ quietHours: { enabled: false } }), updated_at: new Date().toISOString() });
    const s = await getSettings(t.db, t.config);
    expect(s.sendRules).toEqual({
      optOutKeywords: ['T', 'TD', '退订', 'N', 'STOP', 'UNSUBSCRIBE'],
      transactionalExempt: true,
      quietHours: { enabled: false, start: '21:00', end: '08:00', timeZone: '' },
      frequencyCaps: { perDay: 0, perPeriod: 0, periodDays: 7 },
    });
    expect((await admin.get('/settings')).status).toBe(200);
  });
});
