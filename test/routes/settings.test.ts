import { DEFAULT_UNSUBSCRIBE_PHRASES } from '../../src/services/settings.service';
import {
  addUser,
  fieldError,
  flashText,
  formFields,
  inputValue,
  loginAs,
  makeTestApp,
  postForm,
  textareaValue,
  type Agent,
  type TestApp,
} from '../helpers/app';

let t: TestApp;
let admin: Agent;
let member: Agent;
/** The settings form as first shown, submitted unchanged unless a test says otherwise (later work adds fields). */
let GOOD: Record<string, string>;
const FOUNDATION_FIELDS = ['timeZone', 'importMaxRows', 'importMaxMb', 'scheduleHorizonDays', 'unsubscribePhrases'];

beforeAll(async () => {
  t = await makeTestApp({ env: { timeZone: 'Europe/Berlin' } });
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
  GOOD = formFields((await admin.get('/settings')).text, '/settings');
});
afterAll(() => t.close());

async function storedSettings(): Promise<Record<string, unknown>> {
  const rows: { key: string; value: string }[] = await t.db('settings').select('key', 'value');
  return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
}

/** What a person in `timeZone` reads on a wall clock for `iso`, as the pages print it. */
function wallClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(iso))
    .replace(',', '');
}

describe('settings', () => {
  test('the defaults are shown: the server zone, 100000 numbers, 10 MB, 30 days, the unsubscribe phrases', async () => {
    const res = await admin.get('/settings');
    expect(res.status).toBe(200);
    expect(inputValue(res.text, 'timeZone')).toBe('Europe/Berlin');
    expect(res.text).toContain('The server’s zone is Europe/Berlin.');
    expect(inputValue(res.text, 'importMaxRows')).toBe('100000');
    expect(inputValue(res.text, 'importMaxMb')).toBe('10');
    expect(inputValue(res.text, 'scheduleHorizonDays')).toBe('30');
    expect(textareaValue(res.text, 'unsubscribePhrases')!.split('\n')).toEqual([...DEFAULT_UNSUBSCRIBE_PHRASES]);
    expect(DEFAULT_UNSUBSCRIBE_PHRASES).toEqual([
      '回T退订', '退订回T', '回TD退订', 'TD退订', '回N退订', '退订回D', '退订回TD', '退订回复T', '退订回复D', '退订回复N', '退订回复TD', '拒收回T', 'Reply T to unsubscribe',
    ]);
    expect(await storedSettings()).toEqual({});
  });

  test.each([
    ['timeZone', 'Nowhere/City', 'Not a known time zone. Use an IANA name such as Asia/Shanghai.'],
    ['timeZone', '', 'This field is required.'],
    ['importMaxRows', '0', 'Enter a whole number from 1 to 1,000,000.'],
    ['importMaxRows', '1000001', 'Enter a whole number from 1 to 1,000,000.'],
    ['importMaxRows', '1e5', 'Enter a whole number from 1 to 1,000,000.'],
    ['importMaxRows', '-5', 'Enter a whole number from 1 to 1,000,000.'],
    ['importMaxMb', 'ten', 'Enter a whole number from 1 to 100.'],
    ['importMaxMb', '2.5', 'Enter a whole number from 1 to 100.'],
    ['importMaxMb', '', 'This field is required.'],
    ['scheduleHorizonDays', '366', 'Enter a whole number from 1 to 365.'],
    ['retentionDays', '0', 'Enter a whole number from 1 to 3,650.'],
    ['retentionDays', '3651', 'Enter a whole number from 1 to 3,650.'],
    ['retentionDays', '', 'This field is required.'],
    ['unsubscribePhrases', '', 'Keep at least one unsubscribe phrase.'],
    ['unsubscribePhrases', ' \n \n', 'Keep at least one unsubscribe phrase.'],
    ['unsubscribePhrases', `回T退订\n${'x'.repeat(31)}`, 'Each phrase can have at most 30 characters.'],
  ])('%s = %p: 422 with the message beside it, every value kept, nothing saved', async (field, value, message) => {
    const body = { ...GOOD, importMaxRows: '5000', [field]: value };
    const res = await postForm(admin, '/settings', body, '/settings');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, field)).toBe(message);
    for (const other of Object.keys(GOOD).filter((f) => f !== field)) expect([other, fieldError(res.text, other)]).toEqual([other, undefined]);
    for (const f of ['timeZone', 'importMaxRows', 'importMaxMb', 'scheduleHorizonDays']) expect([f, inputValue(res.text, f)]).toEqual([f, body[f]]);
    expect(textareaValue(res.text, 'unsubscribePhrases')).toBe(body.unsubscribePhrases);
    expect(await storedSettings()).toEqual({});
  });

  test('all wrong at once: a message beside each field', async () => {
    const res = await postForm(
      admin,
      '/settings',
      { ...GOOD, timeZone: 'Nowhere/City', importMaxRows: '0', importMaxMb: 'ten', scheduleHorizonDays: 'x', unsubscribePhrases: '' },
      '/settings',
    );
    expect(res.status).toBe(422);
    for (const f of FOUNDATION_FIELDS) expect([f, fieldError(res.text, f)]).toEqual([f, expect.any(String)]);
    expect(inputValue(res.text, 'timeZone')).toBe('Nowhere/City');
    expect(inputValue(res.text, 'importMaxMb')).toBe('ten');
  });

  test('good values are saved (limits in bytes, phrases trimmed and de-duplicated) and shown again', async () => {
    const res = await postForm(
      admin,
      '/settings',
      { ...GOOD, timeZone: ' America/New_York ', importMaxRows: '5000', importMaxMb: '3', scheduleHorizonDays: '7', unsubscribePhrases: '  回T退订 \r\nSTOP2END\n\n回T退订\n' },
      '/settings',
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/settings');
    expect(await storedSettings()).toMatchObject({
      timeZone: 'America/New_York',
      importMaxRows: 5000,
      importMaxBytes: 3 * 1024 * 1024,
      scheduleHorizonDays: 7,
      unsubscribePhrases: ['回T退订', 'STOP2END'],
    });
    const page = await admin.get('/settings');
    expect(flashText(page.text)).toBe('Settings saved.');
    expect(inputValue(page.text, 'timeZone')).toBe('America/New_York');
    expect(inputValue(page.text, 'importMaxRows')).toBe('5000');
    expect(inputValue(page.text, 'importMaxMb')).toBe('3');
    expect(inputValue(page.text, 'scheduleHorizonDays')).toBe('7');
    expect(textareaValue(page.text, 'unsubscribePhrases')).toBe('回T退订\nSTOP2END');
  });

  test('task details: retention days (default 90) and masking members\' exports (a checkbox, default off) are saved and shown', async () => {
    expect(GOOD.retentionDays).toBe('90');
    expect(GOOD).not.toHaveProperty('maskNumbersForMembers');
    expect((await postForm(admin, '/settings', { ...GOOD, retentionDays: '15', maskNumbersForMembers: '1' }, '/settings')).status).toBe(303);
    expect(await storedSettings()).toMatchObject({ retentionDays: 15, maskNumbersForMembers: true });
    const page = await admin.get('/settings');
    expect(inputValue(page.text, 'retentionDays')).toBe('15');
    expect(page.text).toMatch(/name="maskNumbersForMembers" type="checkbox" value="1" checked>/);
    // Unticked, the browser sends nothing for it: off again.
    expect((await postForm(admin, '/settings', formFields(page.text, '/settings'), '/settings')).status).toBe(303);
    expect((await storedSettings()).maskNumbersForMembers).toBe(true);
    const { maskNumbersForMembers: _ticked, ...unticked } = formFields(page.text, '/settings');
    expect((await postForm(admin, '/settings', unticked, '/settings')).status).toBe(303);
    expect(await storedSettings()).toMatchObject({ retentionDays: 15, maskNumbersForMembers: false });
  });

  test('the saved phrases are the ones the template form accepts, and the only ones', async () => {
    await postForm(admin, '/settings', { ...GOOD, unsubscribePhrases: 'STOP2END' }, '/settings');
    const accepted = await postForm(member, '/templates', { name: 'NewPhrase', smsType: 'marketing', content: 'Sale {1} STOP2END' }, '/templates/new');
    expect(accepted.status).toBe(303);
    const refused = await postForm(member, '/templates', { name: 'OldPhrase', smsType: 'marketing', content: 'Sale {1} 回T退订' }, '/templates/new');
    expect(refused.status).toBe(422);
    expect(fieldError(refused.text, 'content')).toBe('A marketing template must end with an unsubscribe phrase: STOP2END.');
  });

  test('the time zone is the one used for the times shown on pages', async () => {
    const created = await postForm(member, '/signatures', { name: 'ZoneTest' }, '/signatures/new');
    const id = Number(/(\d+)$/.exec(created.headers.location)![1]);
    const { updated_at: updatedAt } = await t.db('signatures').where({ id }).first('updated_at');

    // zones far enough apart that the wall clocks always differ
    for (const zone of ['Pacific/Kiritimati', 'America/Los_Angeles', 'Asia/Shanghai']) {
      expect((await postForm(admin, '/settings', { ...GOOD, timeZone: zone }, '/settings')).status).toBe(303);
      const list = await member.get('/signatures');
      const line = list.text.split('<tr>').find((r) => r.includes(`/signatures/${id}"`))!;
      expect([zone, line.includes(`<td>${wallClock(updatedAt, zone)}</td>`)]).toEqual([zone, true]);
      const detail = await member.get(`/signatures/${id}`);
      expect(detail.text).toContain(`member · ${wallClock(updatedAt, zone)}`);
    }
  });
});
