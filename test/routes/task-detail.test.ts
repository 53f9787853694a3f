import { makeTestApp, addUser, loginAs, fieldError, unescapeHtml, type TestApp, type Agent } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { chooseIndex, countMessages, listMessages, MESSAGE_INDEX, prefixPlan } from '../../src/queries/message-list.queries';

let t: TestApp;
let owner: Agent;
let other: Agent;
let admin: Agent;
let taskId: string;

/** 60 delivered (0000), 25 UNDELIV and 5 EXPIRED (failed), 10 REJECTD (rejected at submit): 100 messages. */
const DELIVERED = numbersWithOutcome(60, '0000', '138');
const UNDELIV = numbersWithOutcome(25, '0001', '139');
const EXPIRED = numbersWithOutcome(5, '0003', '137');
const REJECTED = numbersWithOutcome(10, '0002', '136');
const ALL = [...DELIVERED, ...UNDELIV, ...EXPIRED, ...REJECTED];

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  await addUser(t.db, 'max', 'member');
  [owner, other, admin] = [await loginAs(t.app, 'mia'), await loginAs(t.app, 'max'), await loginAs(t.app, 'admin')];
  // Interleaved, so each status is spread over both pages.
  const numbers = Array.from({ length: 60 }, (_, i) => [DELIVERED[i], UNDELIV[i], EXPIRED[i], REJECTED[i]]).flat().filter(Boolean) as string[];
  ({ taskId } = await seedTask(t.db, numbers, { userId: 2, content: '您的验证码是123456，5分钟内有效。' }));
  await runDueTasks(t.db);
});
afterAll(() => t.close());

const ids = (html: string) => [...html.matchAll(/data-message-id="(\d+)"/g)].map((m) => Number(m[1]));
const phonesOn = (html: string) => [...html.matchAll(/<td class="phone-cell">(\d+)<\/td>/g)].map((m) => m[1]);
const statusesOn = (html: string) => [...new Set([...html.matchAll(/data-status="(\w+)"/g)].map((m) => m[1]))];
const filteredCount = (html: string) => /data-filtered-count="([^"]+)"/.exec(html)?.[1];
const nextLink = (html: string) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replace(/&amp;/g, '&');
const prevLink = (html: string) => /<a href="([^"]+)" rel="prev">/.exec(html)?.[1]?.replace(/&amp;/g, '&');

/** Every page of a filter, following the next links; the ids in the order shown. */
async function allPages(agent: Agent, url: string): Promise<{ ids: number[]; pages: number }> {
  const seen: number[] = [];
  let pages = 0;
  for (let next: string | undefined = url; next; pages += 1) {
    const res = await agent.get(next);
    expect(res.status).toBe(200);
    seen.push(...ids(res.text));
    next = nextLink(res.text);
  }
  return { ids: seen, pages };
}

async function dbIds(where: Record<string, string>): Promise<number[]> {
  return (await t.db('messages').where({ task_id: taskId, ...where }).orderBy('id').pluck('id')) as number[];
}

describe('summary', () => {
  test('counts by status with a chart, totals, delivery rate, API links; the check report stays linked', async () => {
    const res = await owner.get(`/tasks/${taskId}`);
    expect(res.status).toBe(200);
    const counts = Object.fromEntries([...res.text.matchAll(/data-count="(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toEqual({ delivered: 60, failed: 30, rejected: 10, submitted: 0, pending: 0, submitting: 0, cancelled: 0, unknown: 0, segments: 100 });
    // 【签名n】 (4 + digits) + 17 characters of content, every message the same length.
    const chars = Number((await t.db('messages').where({ task_id: taskId }).sum({ n: 'chars' }))[0].n);
    expect(res.text).toContain(`data-total="chars">${chars}<`);
    expect(res.text).toContain('data-total="rate">60.0%<');
    expect(res.text).toMatch(/<rect class="bar-fill bar-delivered" width="60.00"/);
    expect(res.text).toMatch(/<rect class="bar-fill bar-failed" width="30.00"/);
    expect(res.text).not.toMatch(/bar-fill bar-pending/);
    expect(res.text).toContain(`/api/v1/tasks/${taskId}`);
    expect(res.text).toContain(`/api/v1/receipts?task_id=${taskId}`);
    expect(res.text).toContain(`href="/tasks/${taskId}/check"`);
    expect(res.text).not.toMatch(/<script>/);
  });

  test('actual send time per day, by local date of the configured zone (Asia/Shanghai)', async () => {
    const { taskId: days } = await seedTask(t.db, phones(10, '1377'), { userId: 2 });
    await runDueTasks(t.db);
    const all = (await t.db('messages').where({ task_id: days }).orderBy('id').pluck('id')) as number[];
    // 4 messages late on 24 Nov local time (15:xx UTC), 6 early on 25 Nov (16:xx UTC); set before the first view.
    const times = ['15:10:00', '15:10:01', '15:29:01', '15:20:00', '16:00:30', '16:05:39', '16:01:00', '16:01:00', '16:02:00', '16:03:00'];
    for (const [i, id] of all.entries()) await t.db('messages').where({ id }).update({ submitted_at: `2026-11-24T${times[i]}.000Z` });
    const page = await owner.get(`/tasks/${days}`);
    const rows = [...page.text.matchAll(/<tr data-send-day="([\d-]+)"><td>[\d-]+<\/td><td>([\d:]+)<\/td><td>([\d:]+)<\/td><td data-day-count>(\d+)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['2026-11-24', '23:10:00', '23:29:01', '4'],
      ['2026-11-25', '00:00:30', '00:05:39', '6'],
    ]);
    expect(page.text).toContain('Day (Asia/Shanghai)');
  });

  test('another member of the team sees the task but is offered no resend; the creator and admins are', async () => {
    const mine = await owner.get(`/tasks/${taskId}`);
    expect(mine.text).toContain(`action="/tasks/${taskId}/resend"`);
    expect((await admin.get(`/tasks/${taskId}`)).text).toContain(`action="/tasks/${taskId}/resend"`);
    const theirs = await other.get(`/tasks/${taskId}`);
    expect(theirs.status).toBe(200);
    expect(theirs.text).not.toContain(`action="/tasks/${taskId}/resend"`);
  });
});

describe('per-message table and filters', () => {
  test('columns: phone, content, "chars | segments", sending and report times, status in words, code with its remark', async () => {
    const res = await owner.get(`/tasks/${taskId}?phone=${UNDELIV[0]}`);
    expect(phonesOn(res.text)).toEqual([UNDELIV[0]]);
    const m = await t.db('messages').where({ task_id: taskId, phone: UNDELIV[0] }).first();
    const row = unescapeHtml(res.text.split(`data-message-id="${m.id}"`)[1].split('</tr>')[0]);
    expect(row).toContain(m.content);
    expect(row).toContain(`${m.chars} | ${m.segments}`);
    expect(row).toContain('>Failed<');
    expect(row).toContain('<code>UNDELIV</code> Undeliverable: the handset could not be reached');
    expect(row).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  });

  test.each([
    ['status=failed', { status: 'failed' }, ['failed'], 30],
    ['status=rejected', { status: 'rejected' }, ['rejected'], 10],
    ['status=delivered', { status: 'delivered' }, ['delivered'], 60],
    ['code=UNDELIV', { code: 'UNDELIV' }, ['failed'], 25],
    ['code=expired (any case)', { code: 'expired' }, ['failed'], 5],
    ['code=REJECTD with status=rejected', { code: 'REJECTD', status: 'rejected' }, ['rejected'], 10],
    ['code=DELIVRD with status=failed', { code: 'DELIVRD', status: 'failed' }, [], 0],
  ])('%s', async (_label, query, statuses, count) => {
    const res = await owner.get(`/tasks/${taskId}?${new URLSearchParams(query as Record<string, string>)}`);
    expect(res.status).toBe(200);
    expect(statusesOn(res.text)).toEqual(statuses);
    expect(filteredCount(res.text)).toBe(String(count));
    const { ids: shown } = await allPages(owner, `/tasks/${taskId}?${new URLSearchParams(query as Record<string, string>)}`);
    const where: Record<string, string> = {};
    if ('status' in query) where.status = query.status as string;
    if ('code' in query) where.code = (query.code as string).toUpperCase();
    expect(shown).toEqual(await dbIds(where));
  });

  test.each([
    ['exact', DELIVERED[7], [DELIVERED[7]]],
    ['exact with +86, spaces and dashes', `+86 ${DELIVERED[7].slice(0, 3)}-${DELIVERED[7].slice(3, 7)}-${DELIVERED[7].slice(7)}`, [DELIVERED[7]]],
    ['exact in full-width digits', DELIVERED[7].replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), [DELIVERED[7]]],
    ['prefix 139 (the UNDELIV numbers)', '139', UNDELIV],
    ['prefix 1370000 (one EXPIRED number)', '1370000', [EXPIRED[0]]],
    ['prefix with 0086', '0086 136', REJECTED],
    ['prefix matching nothing', '1599', []],
    ['last 4 digits', EXPIRED[0].slice(-4), EXPIRED],
    ['last 6 digits', UNDELIV[3].slice(-6), ALL.filter((n) => n.endsWith(UNDELIV[3].slice(-6)))],
    ['last 10 digits with a space', `${EXPIRED[1].slice(1, 5)} ${EXPIRED[1].slice(5)}`, [EXPIRED[1]]],
    ['last digits that start with 1, asked for with *', `*${REJECTED[2].slice(-8)}`, [REJECTED[2]]],
    ['last digits matching nothing', '99999', []],
  ])('phone %s', async (_label, phone, expected) => {
    const res = await owner.get(`/tasks/${taskId}?phone=${encodeURIComponent(phone)}`);
    expect(res.status).toBe(200);
    expect(phonesOn(res.text).sort()).toEqual([...expected].sort());
    expect(filteredCount(res.text)).toBe(String(expected.length));
    if (expected.length === 0) expect(res.text).toContain('No message matches the filter.');
  });

  test('phone prefix and status together', async () => {
    const res = await owner.get(`/tasks/${taskId}?phone=13&status=rejected`);
    expect(phonesOn(res.text).sort()).toEqual([...REJECTED].sort());
  });

  test.each([
    ['phone', 'abc', 'Enter a mobile number or its first digits, e.g. 138.'],
    ['phone', '238', 'Enter a mobile number or its first digits, e.g. 138.'],
    ['status', 'lost', 'Choose a status from the list.'],
    ['code', 'no such code!', 'Write a receipt code as the carrier does, e.g. UNDELIV or MK:0001.'],
  ])('an unreadable %s filter (%p): 422, the message beside it, nothing listed, no export offered', async (name, value, message) => {
    const res = await owner.get(`/tasks/${taskId}?${name}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(422);
    expect(fieldError(res.text, name)).toBe(message);
    expect(ids(res.text)).toEqual([]);
    expect(res.text).not.toContain('data-export');
    if (name !== 'status') expect(res.text).toMatch(new RegExp(`name="${name}"[^>]*value="${value.toUpperCase() === value || name === 'phone' ? value : value.toUpperCase()}"`));
  });

  test('the filter form keeps its values; the export form carries them', async () => {
    const res = await owner.get(`/tasks/${taskId}?phone=139&status=failed&code=UNDELIV`);
    expect(res.text).toMatch(/<input id="filter-phone" name="phone"[^>]*value="139"/);
    expect(res.text).toMatch(/<option value="failed" selected>/);
    expect(res.text).toMatch(/<input id="filter-code" name="code"[^>]*value="UNDELIV"/);
    const form = /<form method="get" action="[^"]*messages.csv"[\s\S]*?<\/form>/.exec(res.text)![0];
    for (const [n, v] of [['phone', '139'], ['status', 'failed'], ['code', 'UNDELIV']]) expect(form).toContain(`<input type="hidden" name="${n}" value="${v}">`);
  });
});

describe('keyset pagination', () => {
  test('50 a page in id order: following next links shows every message once; previous goes back', async () => {
    const first = await owner.get(`/tasks/${taskId}`);
    expect(filteredCount(first.text)).toBe('100');
    expect(ids(first.text)).toHaveLength(50);
    expect(prevLink(first.text)).toBeUndefined();
    const { ids: shown, pages } = await allPages(owner, `/tasks/${taskId}`);
    expect(pages).toBe(2);
    expect(shown).toEqual(await dbIds({}));
    const second = await owner.get(nextLink(first.text)!);
    expect(nextLink(second.text)).toBeUndefined();
    const back = await owner.get(prevLink(second.text)!);
    expect(ids(back.text)).toEqual(ids(first.text));
    expect(prevLink(back.text)).toBeUndefined();
    expect(nextLink(back.text)).toBe(nextLink(first.text));
  });

  test('no row skipped or repeated when messages change and other tasks arrive between pages', async () => {
    const first = await owner.get(`/tasks/${taskId}?status=delivered`);
    const page1 = ids(first.text);
    expect(page1).toHaveLength(50);
    const delivered = await dbIds({ status: 'delivered' });
    // Meanwhile: another task with messages, and a message of page 1 leaves the filter (an OFFSET would now skip one).
    await seedTask(t.db, phones(120, '1355'), { userId: 2 });
    await t.db('messages').where({ id: page1[0] }).update({ status: 'failed' });
    try {
      const { ids: rest } = await allPages(owner, nextLink(first.text)!);
      expect([...page1, ...rest]).toEqual(delivered);
    } finally {
      await t.db('messages').where({ id: page1[0] }).update({ status: 'delivered' });
    }
  });

  test('a cursor beyond the end lists nothing and offers the way back', async () => {
    const res = await owner.get(`/tasks/${taskId}?after=999999999`);
    expect(ids(res.text)).toEqual([]);
    expect(prevLink(res.text)).toBeDefined();
  });
});

describe('queries behind the page', () => {
  test('a prefix gives the same rows through (task_id, phone) sorted by id as walking the task by id', async () => {
    for (const phonePrefix of ['13', '138', '1390001', '1']) {
      const f = { taskId, phonePrefix };
      const byPhone = await listMessages(t.db, f, {}, 500, MESSAGE_INDEX.phone);
      const byId = await listMessages(t.db, f, {}, 500, MESSAGE_INDEX.id);
      expect(byPhone.rows.map((r) => r.id)).toEqual(byId.rows.map((r) => r.id));
      expect(byPhone.rows.every((r) => r.phone.startsWith(phonePrefix))).toBe(true);
    }
  });

  test('the filtered count: exact, or "more than" its cap for one filter, or "at least" for several wide ones', async () => {
    expect(await countMessages(t.db, { taskId, status: 'delivered' }, 1000)).toEqual({ count: 60, bound: 'exact' });
    expect(await countMessages(t.db, { taskId, status: 'delivered' }, 20)).toEqual({ count: 20, bound: 'moreThan' });
    expect(await countMessages(t.db, { taskId, phonePrefix: '139' }, 25)).toEqual({ count: 25, bound: 'exact' });
    expect(await countMessages(t.db, { taskId, code: 'UNDELIV' }, 1000)).toEqual({ count: 25, bound: 'exact' });
    // Prefix 13 holds all 100, status failed 30: the 30 failed rows are walked and checked against the prefix.
    expect(await countMessages(t.db, { taskId, phonePrefix: '13', status: 'failed' }, 1000, 50)).toEqual({ count: 30, bound: 'exact' });
    expect(await countMessages(t.db, { taskId, phonePrefix: '139', status: 'failed', code: 'UNDELIV' }, 1000, 50)).toEqual({ count: 25, bound: 'exact' });
    // Both wider than the scan limit: only the first 10 of the narrower range are checked.
    const atLeast = await countMessages(t.db, { taskId, phonePrefix: '13', status: 'failed' }, 1000, 10);
    expect(atLeast.bound).toBe('atLeast');
    expect(atLeast.count).toBeLessThanOrEqual(10);
  });

  test('a prefix alone is counted once: the same count and index as countMessages and chooseIndex give', async () => {
    for (const [phonePrefix, cap] of [['13', 1000], ['139', 1000], ['139', 25], ['1390001', 1000], ['1599', 1000]] as const) {
      const f = { taskId, phonePrefix };
      expect(await prefixPlan(t.db, f, cap)).toEqual({ index: await chooseIndex(t.db, f), count: await countMessages(t.db, f, cap) });
    }
    expect(await prefixPlan(t.db, { taskId, phonePrefix: '13', status: 'failed' }, 1000)).toBeUndefined();
    expect(await prefixPlan(t.db, { taskId, status: 'failed' }, 1000)).toBeUndefined();
  });

  test('the page says how it counted', async () => {
    const res = await owner.get(`/tasks/${taskId}?phone=13&status=failed`);
    expect(filteredCount(res.text)).toBe('30');
    expect(res.text).toContain('30 message(s) match the filter');
  });

  test('a task not started yet: all pending (from its counters), no delivery rate, the send days hidden until it sends', async () => {
    const { taskId: sending } = await seedTask(t.db, phones(6, '1366'), { userId: 2, sendAt: new Date(Date.now() + 3_600_000) });
    const res = await owner.get(`/tasks/${sending}`);
    expect(res.text).toMatch(/data-count="pending">6</);
    expect(res.text).toContain('data-total="rate">—<');
    expect(res.text).toContain('<section class="card" data-send-days hidden>');
  });
});
