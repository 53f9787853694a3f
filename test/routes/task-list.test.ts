import { makeTestApp, addUser, loginAs, unescapeHtml, type TestApp, type Agent } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { phones, seedTask } from '../helpers/tasks';
import { insertTaskRow, listedIds, listedTotal, pagerLink } from '../helpers/task-rows';

let t: TestApp;
let admin: Agent;
let ann: Agent;
const ANN = 2;
const BOB = 3;
let sig: { a: number; b: number };
let tpl: { notice: number; promo: number };
/** Every listed task, newest first, with what the filters look at. */
const all: { id: string; status: string; smsType: string; signatureId: number; templateId: number; createdBy: number; sendAt: string }[] = [];

const ids = (filter: (task: (typeof all)[number]) => boolean) => all.filter(filter).map((x) => x.id);

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'ann', 'member');
  await addUser(t.db, 'bob', 'member');
  [admin, ann] = [await loginAs(t.app, 'admin'), await loginAs(t.app, 'ann')];
  sig = { a: await approvedSignature(t.db, '甲公司'), b: await approvedSignature(t.db, '乙公司') };
  tpl = {
    notice: await approvedTemplate(t.db, '您的快递已到，请及时取件。', 'notification', '到货通知'),
    promo: await approvedTemplate(t.db, '双十一大促，全场五折。回T退订', 'marketing', '大促'),
  };
  // 12 tasks over 6 days (Asia/Shanghai), two creators, both signatures and templates, every listed status.
  const statuses = ['completed', 'sending', 'scheduled', 'cancelled'] as const;
  for (let i = 0; i < 12; i += 1) {
    const promo = i % 3 === 0;
    const task = {
      status: statuses[i % 4],
      smsType: promo ? 'marketing' : 'notification',
      signatureId: i % 2 === 0 ? sig.a : sig.b,
      templateId: promo ? tpl.promo : tpl.notice,
      createdBy: i < 5 ? ANN : BOB,
      // 2026-11-20 … 2026-11-25, 10:00 local = 02:00 UTC, two tasks a day.
      sendAt: `2026-11-${String(20 + Math.floor(i / 2)).padStart(2, '0')}T02:00:00.000Z`,
    };
    const id = await insertTaskRow(t.db, { ...task, recipients: 10 });
    all.unshift({ id, ...task });
  }
  await insertTaskRow(t.db, { status: 'draft', createdBy: ANN });
});
afterAll(() => t.close());

async function list(agent: Agent, query = '') {
  const res = await agent.get(`/tasks${query}`);
  expect(res.status).toBe(200);
  return { html: res.text, ids: listedIds(res.text), total: listedTotal(res.text), note: /data-ignored-note>([^<]*)</.exec(res.text)?.[1] };
}

test('every confirmed task newest first, drafts never, with the total; members see the whole team', async () => {
  for (const agent of [admin, ann]) {
    const page = await list(agent);
    expect(page.ids).toEqual(all.map((x) => x.id));
    expect(page.total).toBe(12);
    expect(page.note).toBeUndefined();
  }
});

test.each([
  ['status', '?status=sending', (x: (typeof all)[number]) => x.status === 'sending'],
  ['SMS type', '?smsType=marketing', (x: (typeof all)[number]) => x.smsType === 'marketing'],
  ['signature', () => `?signature=${sig.b}`, (x: (typeof all)[number]) => x.signatureId === sig.b],
  ['template', () => `?template=${tpl.promo}`, (x: (typeof all)[number]) => x.templateId === tpl.promo],
  ['created by', `?createdBy=${BOB}`, (x: (typeof all)[number]) => x.createdBy === BOB],
  ['sending from (a local date)', '?from=2026-11-24', (x: (typeof all)[number]) => x.sendAt >= '2026-11-24'],
  ['sending until (the whole local day)', '?to=2026-11-21', (x: (typeof all)[number]) => x.sendAt < '2026-11-22'],
  ['a range of one day', '?from=2026-11-22&to=2026-11-22', (x: (typeof all)[number]) => x.sendAt.startsWith('2026-11-22')],
  ['two filters at once', () => `?status=completed&signature=${sig.a}`, (x: (typeof all)[number]) => x.status === 'completed' && x.signatureId === sig.a],
])('filter by %s', async (_name, query, expected) => {
  const page = await list(admin, typeof query === 'function' ? query() : query);
  expect(page.ids).toEqual(ids(expected));
  expect(page.ids.length).toBeGreaterThan(0);
  expect(page.total).toBe(page.ids.length);
  expect(page.note).toBeUndefined();
});

test('the sending time range is in the configured zone: 00:30 local on the 23rd is the 22nd in UTC', async () => {
  const id = await insertTaskRow(t.db, { sendAt: '2026-11-22T16:30:00.000Z' });
  try {
    expect((await list(admin, '?from=2026-11-23&to=2026-11-23')).ids).toContain(id);
    expect((await list(admin, '?to=2026-11-22')).ids).not.toContain(id);
  } finally {
    await t.db('tasks').where({ id }).delete();
  }
});

test('search by task id: exact, or a prefix, in any case', async () => {
  const target = all[3].id;
  expect((await list(admin, `?q=${target}`)).ids).toEqual([target]);
  expect((await list(admin, `?q=${target.toLowerCase()}`)).ids).toEqual([target]);
  const prefix = target.slice(0, -1);
  expect((await list(admin, `?q=${prefix}`)).ids).toEqual(all.filter((x) => x.id.startsWith(prefix)).map((x) => x.id));
  expect((await list(admin, '?q=T1')).total).toBe(0);
});

test('search by phone number: the tasks that sent to it, whatever way the number is written', async () => {
  const fresh = await makeTestApp();
  try {
    await addUser(fresh.db, 'admin', 'admin');
    const agent = await loginAs(fresh.app, 'admin');
    const [a, b, c] = [phones(3, '1390'), phones(2, '1391'), ['13900000017', '13700000007']];
    const first = await seedTask(fresh.db, a);
    const second = await seedTask(fresh.db, b);
    const third = await seedTask(fresh.db, c);
    // A draft to the same number is nobody's sent task yet.
    await insertTaskRow(fresh.db, { status: 'draft', phones: ['13900000017'] });
    const search = async (q: string) => listedIds((await agent.get(`/tasks?q=${encodeURIComponent(q)}`)).text);
    expect(await search('13900000017')).toEqual([third.taskId, first.taskId]);
    expect(await search('+86 139-0000-0017')).toEqual([third.taskId, first.taskId]);
    expect(await search('１３９１００００００７')).toEqual([second.taskId]);
    expect(await search('13800000000')).toEqual([]);
    // First digits, 3 or more: every task with a number starting so (issue 12).
    expect(await search('1391')).toEqual([second.taskId]);
    expect(await search('139')).toEqual([third.taskId, second.taskId, first.taskId]);
    expect(await search('+86 137')).toEqual([third.taskId]);
    expect(await search('138')).toEqual([]);
    const page = await agent.get(`/tasks?q=${encodeURIComponent('+86 139-0000-0017')}&status=scheduled`);
    expect(listedIds(page.text)).toEqual([third.taskId, first.taskId]);
    expect(listedTotal(page.text)).toBe(2);
  } finally {
    await fresh.close();
  }
});

test('"mine only": a member sees the team by default and only their own tasks with the switch', async () => {
  const mine = await list(ann, '?mine=1');
  expect(mine.ids).toEqual(ids((x) => x.createdBy === ANN));
  expect(mine.total).toBe(5);
  expect(mine.html).toMatch(/name="mine" value="1" data-autosubmit checked/);
  // The switch wins over a created-by choice.
  expect((await list(ann, `?mine=1&createdBy=${BOB}`)).ids).toEqual(ids((x) => x.createdBy === ANN));
  expect((await list(admin, '?mine=1')).total).toBe(0);
});

test.each([
  ['status', '?status=bogus', 'Status “bogus”'],
  ['status (a draft is never listed)', '?status=draft', 'Status “draft”'],
  ['status given twice', '?status=sending&status=completed', 'Status “sending, completed”'],
  ['SMS type', '?smsType=fax', 'SMS type “fax”'],
  ['signature (not a number)', '?signature=abc', 'Signature “abc”'],
  ['signature (unknown)', '?signature=99999', 'Signature “99999”'],
  ['template', '?template=-1', 'Template “-1”'],
  ['created by', '?createdBy=42', 'Created by “42”'],
  ['from', '?from=2026-13-45', 'Sending from “2026-13-45”'],
  ['to (before from)', '?from=2026-11-25&to=2026-11-20', 'Sending until “2026-11-20”'],
  ['search', '?q=hello', 'Task ID or phone number “hello”'],
  ['search (two first digits are too few)', '?q=13', 'Task ID or phone number “13”'],
  ['per page', '?per=7', 'Per page “7”'],
  ['mine', '?mine=maybe', 'Mine only “maybe”'],
  ['cursor', '?after=%27%20OR%201%3D1', 'Page position “\' OR 1=1”'],
  ['cursor (both ways)', `?after=T1&before=T2`, 'Page position “T2”'],
])('a bad %s is ignored with a visible note, never an error', async (_name, query, shown) => {
  const page = await list(admin, query);
  expect(unescapeHtml(page.note ?? '')).toBe(`Some filters were not understood and are ignored: ${shown}.`);
  if (!query.includes('after=T1') && !query.includes('from=2026-11-25')) expect(page.total).toBe(12);
});

test('the form shows the filters in force; "clear" keeps only the page size', async () => {
  const page = await list(admin, `?status=sending&smsType=marketing&signature=${sig.a}&from=2026-11-20&q=hello&per=50`);
  expect(page.html).toMatch(/<option value="sending" selected>/);
  expect(page.html).toMatch(/<option value="marketing" selected>/);
  expect(page.html).toMatch(new RegExp(`<option value="${sig.a}" selected>`));
  expect(page.html).toContain('name="from" value="2026-11-20"');
  expect(page.html).toContain('name="q" value="hello"');
  expect(page.html).toMatch(/<option value="50" selected>/);
  expect(page.html).toContain('<a href="/tasks?per=50">Clear filters</a>');
});

describe('pages', () => {
  let p: TestApp;
  let agent: Agent;
  const made: string[] = [];

  beforeAll(async () => {
    p = await makeTestApp();
    await addUser(p.db, 'admin', 'admin');
    agent = await loginAs(p.app, 'admin');
    for (let i = 0; i < 205; i += 1) made.unshift(await insertTaskRow(p.db, { status: i % 5 === 0 ? 'sending' : 'completed' }));
  });
  afterAll(() => p.close());

  /** Follows "next" from `start` to the end, creating a task before each page load if asked. */
  async function walk(start: string, between?: () => Promise<unknown>) {
    const seen: string[] = [];
    let url: string | undefined = start;
    let pages = 0;
    while (url) {
      if (between && pages > 0) await between();
      const res = await agent.get(url);
      expect(res.status).toBe(200);
      seen.push(...listedIds(res.text));
      url = pagerLink(res.text, 'next');
      pages += 1;
    }
    return { seen, pages };
  }

  test.each([
    [20, '', 11],
    [20, '?per=20', 11],
    [50, '?per=50', 5],
    [100, '?per=100', 3],
  ])('%i per page (query "%s"): every task once, in order, over %i pages', async (per, query, pages) => {
    const first = await agent.get(`/tasks${query}`);
    expect(listedIds(first.text)).toHaveLength(per);
    expect(listedTotal(first.text)).toBe(205);
    const result = await walk(`/tasks${query}`);
    expect(result.seen).toEqual(made);
    expect(result.pages).toBe(pages);
  });

  test('tasks created between page loads are neither repeated nor make a row skip', async () => {
    const before = [...made];
    const added: string[] = [];
    const result = await walk('/tasks?per=50', async () => added.push(await insertTaskRow(p.db)));
    expect(result.seen).toEqual(before);
    expect(added).toHaveLength(4);
    // They are on the first page now.
    expect(listedIds((await agent.get('/tasks?per=50')).text).slice(0, 4)).toEqual([...added].reverse());
    made.unshift(...[...added].reverse());
  });

  test('with a filter, the pager keeps it and the count is of the filtered set', async () => {
    const sending = (await p.db('tasks').where({ status: 'sending' }).orderBy('id', 'desc').pluck('id')) as string[];
    const first = await agent.get('/tasks?status=sending');
    expect(listedTotal(first.text)).toBe(sending.length);
    expect(pagerLink(first.text, 'next')).toMatch(/^\/tasks\?status=sending&after=T\d+$/);
    expect((await walk('/tasks?status=sending')).seen).toEqual(sending);
  });

  test('back from any page: "previous" shows the page before it, "first page" the start', async () => {
    const page3 = await agent.get(`/tasks?after=${made[39]}`);
    expect(listedIds(page3.text)).toEqual(made.slice(40, 60));
    const back = await agent.get(pagerLink(page3.text, 'prev')!);
    expect(listedIds(back.text)).toEqual(made.slice(20, 40));
    const back2 = await agent.get(pagerLink(back.text, 'prev')!);
    expect(listedIds(back2.text)).toEqual(made.slice(0, 20));
    expect(pagerLink(back2.text, 'prev')).toBeUndefined();
    expect(pagerLink(back2.text, 'next')).toBe(`/tasks?after=${made[19]}`);
    expect(pagerLink(page3.text, 'first')).toBe('/tasks');
    // A "previous" link from a page near the top gives a full first page, not a short one.
    expect(listedIds((await agent.get(`/tasks?before=${made[5]}`)).text)).toEqual(made.slice(0, 20));
    // Past the end: an empty page that says so and leads back.
    const end = await agent.get(`/tasks?after=T1`);
    expect(listedIds(end.text)).toEqual([]);
    expect(end.text).toContain('No tasks on this page');
    expect(pagerLink(end.text, 'first')).toBe('/tasks');
  });
});
