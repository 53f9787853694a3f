import request from 'supertest';
import { addUser, loginAs, makeTestApp, unescapeHtml, type Agent, type TestApp } from '../helpers/app';
import { recordInboundMessage } from '../../src/services/inbound-messages.service';
import { insertCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import type { CarrierSettings } from '../../src/carrier/carrier-account.fields';

let t: TestApp;
let admin: Agent;
let member: Agent;
let stubId: number;
let smscId: number;

const ids = (html: string) => [...html.matchAll(/data-inbound-id="(\d+)"/g)].map((m) => Number(m[1]));

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'member');
  [admin, member] = await Promise.all([loginAs(t.app, 'admin'), loginAs(t.app, 'member')]);
  stubId = (await t.db('carrier_accounts').first('id')).id as number;
  smscId = await insertCarrierAccount(t.db, { name: 'smsc-east', kind: 'smpp', enabled: true, settings: {} as CarrierSettings, secretsBox: null, state: 'down' });
});
afterAll(() => t.close());

describe('/inbox access', () => {
  test('admins see it (linked in their nav), members get 403, anonymous visitors go to the login', async () => {
    const res = await admin.get('/inbox');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<a href="/inbox" class="active" aria-current="page">Inbox</a>');
    expect((await member.get('/inbox')).status).toBe(403);
    const anonymous = await request(t.app).get('/inbox');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Finbox');
  });

  test('with no replies the page says what it lists and when replies appear, in both languages', async () => {
    const res = await admin.get('/inbox');
    expect(res.text).toContain('data-inbox-empty');
    expect(res.text).toContain('No replies yet. When someone answers one of your messages');
    const zh = await admin.get('/inbox').set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('上行短信');
  });
});

describe('/inbox list', () => {
  const stored: number[] = [];
  beforeAll(async () => {
    await t.db('inbound_messages').del();
    // 55 replies an hour apart from 2026-12-01 00:00 UTC (08:00 in Shanghai), alternating accounts and numbers.
    for (let i = 0; i < 55; i++) {
      const id = await recordInboundMessage(t.db, {
        accountId: i % 2 === 0 ? stubId : smscId,
        phone: i % 5 === 0 ? '13900139000' : `1380013${String(8000 + i)}`,
        text: i === 7 ? '退订 please' : i % 5 === 0 ? 'Stop ALL' : `reply ${i}`,
        receivedAt: new Date(Date.UTC(2026, 11, 1, i)).toISOString(),
      });
      stored.push(id!);
    }
  });

  test('rows are newest first with the time in the display zone, the number, the text and the account name', async () => {
    const res = await admin.get('/inbox');
    expect(res.status).toBe(200);
    const shown = ids(res.text);
    expect(shown).toEqual([...stored].reverse().slice(0, 50));
    const newest = /<tr data-inbound-id="\d+">([\s\S]*?)<\/tr>/.exec(res.text)![1];
    // Reply 54 was received at 2026-12-03 06:00 UTC, 14:00 in Asia/Shanghai (the test app's zone).
    expect(newest).toContain('2026-12-03 14:00:00');
    expect(newest).toContain('13800138054');
    expect(newest).toContain('reply 54');
    expect(newest).toContain('Built-in simulator');
  });

  test('keyset pages: next, then previous and first lead back to the same rows', async () => {
    const first = await admin.get('/inbox');
    const next = /href="([^"]+)" rel="next"/.exec(first.text)![1];
    const second = await admin.get(unescapeHtml(next));
    expect(ids(second.text)).toEqual([...stored].reverse().slice(50));
    expect(second.text).not.toContain('rel="next"');
    const prev = /href="([^"]+)" rel="prev"/.exec(second.text)![1];
    expect(ids((await admin.get(unescapeHtml(prev))).text)).toEqual(ids(first.text));
  });

  test('filters: number prefix, account, text contained, date range, and together', async () => {
    const byNumber = await admin.get('/inbox?number=%2B86%20139');
    expect(byNumber.status).toBe(200);
    expect(ids(byNumber.text)).toEqual([]);
    expect(ids((await admin.get('/inbox?number=139%200013')).text)).toEqual(stored.filter((_, i) => i % 5 === 0).reverse());
    expect(ids((await admin.get(`/inbox?account=${smscId}`)).text)).toEqual(stored.filter((_, i) => i % 2 === 1).reverse());
    expect(ids((await admin.get('/inbox?text=stop')).text)).toEqual(stored.filter((_, i) => i % 5 === 0).reverse());
    expect(ids((await admin.get(`/inbox?text=${encodeURIComponent('退订')}`)).text)).toEqual([stored[7]]);
    // 2026-12-02 in Shanghai is 2026-12-01 16:00 to 2026-12-02 16:00 UTC: replies 16 to 39.
    expect(ids((await admin.get('/inbox?from=2026-12-02&to=2026-12-02')).text)).toEqual(stored.slice(16, 40).reverse());
    const together = await admin.get(`/inbox?number=139&account=${stubId}&from=2026-12-02`);
    expect(ids(together.text)).toEqual(stored.filter((_, i) => i >= 16 && i % 10 === 0).reverse());
    expect(together.text).toContain('value="139"');
    expect(together.text).toMatch(new RegExp(`<option value="${stubId}" selected>`));
    const none = await admin.get('/inbox?text=nothing-like-this');
    expect(none.text).toContain('No reply matches these filters.');
  });

  test('the pager keeps the filters', async () => {
    const res = await admin.get('/inbox?number=1380013');
    const next = unescapeHtml(/href="([^"]+)" rel="next"/.exec(res.text)?.[1] ?? '');
    // 44 replies match the prefix: one page, so no next link.
    expect(next).toBe('');
    const all = await admin.get('/inbox?number=1');
    const nextAll = unescapeHtml(/href="([^"]+)" rel="next"/.exec(all.text)?.[1] ?? '');
    expect(nextAll).toMatch(/^\/inbox\?number=1&after=\d+$/);
    expect(ids((await admin.get(nextAll)).text)).toEqual(stored.slice(0, 5).reverse());
  });

  test.each([
    ['number=abc', 'number', 'Enter digits only'],
    ['account=999', 'account', 'Choose an account from the list.'],
    ['account=x', 'account', 'Choose an account from the list.'],
    [`text=${'x'.repeat(101)}`, 'text', 'Enter at most 100 characters.'],
    ['from=2026-02-30', 'from', 'Enter a date as YYYY-MM-DD.'],
    ['to=yesterday', 'to', 'Enter a date as YYYY-MM-DD.'],
    ['from=2026-12-03&to=2026-12-01', 'to', 'This date is before the &#34;from&#34; date.'],
  ])('a bad filter (%s) is a 422 with the message beside its field, what was typed kept, and no rows', async (qs, fieldName, message) => {
    const res = await admin.get(`/inbox?${qs}`);
    expect(res.status).toBe(422);
    expect(res.text).toContain(`id="${fieldName}-error"`);
    expect(res.text).toContain(message);
    expect(ids(res.text)).toEqual([]);
  });

  test('repeated parameters, odd cursors and huge values never make a 500', async () => {
    for (const qs of ['number=1&number=2', 'after=-1', 'before=abc', 'after=99999999999999999999', `text[]=x`, `number=${'9'.repeat(5000)}`]) {
      const res = await admin.get(`/inbox?${qs}`);
      expect([qs, res.status < 500]).toEqual([qs, true]);
    }
    expect((await admin.get('/inbox?after=abc')).status).toBe(200);
  });
});
