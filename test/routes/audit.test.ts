import request from 'supertest';
import { fieldError, formFields, inputValue, postForm, selectedOption, tokenFor, unescapeHtml, type Agent, type TestApp } from '../helpers/app';
import { appWithAdminAndMember } from '../helpers/audit';
import { AUDIT_PAGE_SIZE, recordAudit } from '../../src/services/audit.service';

let t: TestApp;
let admin: Agent;
let member: Agent;

beforeAll(async () => {
  ({ t, admin, member } = await appWithAdminAndMember());
});
afterAll(() => t.close());

const ids = (html: string) => [...html.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
const link = (html: string, which: string) => {
  const m = new RegExp(`<a href="([^"]+)"[^>]*data-pager="${which}"`).exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
};
const exportLink = (html: string) => {
  const m = /<a class="button" href="([^"]+)" data-audit-export/.exec(html);
  return m ? unescapeHtml(m[1]) : undefined;
};

test('admins only: members get 403 on the page and the export; visitors are sent to log in', async () => {
  expect((await member.get('/audit')).status).toBe(403);
  expect((await member.get('/audit/export.csv')).status).toBe(403);
  expect((await request(t.app).get('/audit')).headers.location).toBe('/login?next=%2Faudit');
  const page = await admin.get('/audit');
  expect(page.status).toBe(200);
  expect(page.text).toContain('<h1>Audit log</h1>');
  expect(page.text).toContain('<a href="/audit" class="active" aria-current="page">Audit log</a>');
  expect((await admin.get('/audit').set('Accept-Language', 'zh-CN')).text).toContain('审计日志');
});

test('the page shows who, from where, what, on which object, and the before → after lines', async () => {
  await recordAudit(t.db, {
    actor: { userId: 1, label: 'admin' },
    ip: '203.0.113.9',
    action: 'user.role_changed',
    object: { type: 'user', id: 2 },
    summary: { before: { role: 'member' }, after: { role: 'admin' } },
  });
  const page = await admin.get('/audit?action=user.role_changed');
  expect(page.status).toBe(200);
  const row = /<tr data-audit-id="\d+" data-action="user.role_changed">([\s\S]*?)<\/tr>/.exec(page.text)![1];
  expect(row).toContain('203.0.113.9');
  expect(row).toContain('Role changed');
  expect(unescapeHtml(row)).toContain('role: member → admin');
  expect(row).toMatch(/User <code>2<\/code>/);
  expect(selectedOption(page.text, 'action')).toBe('user.role_changed');
});

describe('filters', () => {
  beforeAll(async () => {
    const base = { ip: '127.0.0.1', summary: {} } as const;
    await recordAudit(t.db, { ...base, actor: { userId: 2, label: 'mia' }, action: 'signature.created', object: { type: 'signature', id: 41 } });
    await recordAudit(t.db, { ...base, actor: { userId: 2, label: 'mia' }, action: 'template.created', object: { type: 'template', id: 41 } });
    await recordAudit(t.db, { ...base, actor: { apiKeyId: 9, userId: 1, label: 'shop (qf_abcd1234_…)' }, action: 'task.confirmed', object: { type: 'task', id: 'T261205000001' } });
  });

  test('by actor, action, object type and id; the form keeps what was asked', async () => {
    const mine = await admin.get('/audit?actor=mia');
    // Her sign-in (beforeAll) and the two records above.
    expect([...mine.text.matchAll(/data-action="([^"]+)"/g)].map((m) => m[1])).toEqual(['template.created', 'signature.created', 'auth.login_succeeded']);
    expect(inputValue(mine.text, 'actor')).toBe('mia');
    expect(ids((await admin.get('/audit?actor=MIA')).text)).toEqual(ids(mine.text));
    const byObject = await admin.get('/audit?objectType=template&objectId=41');
    expect(ids(byObject.text)).toHaveLength(1);
    expect(byObject.text).toContain('data-action="template.created"');
    const byKey = await admin.get(`/audit?actor=${encodeURIComponent('shop (qf_abcd1234_…)')}`);
    expect(byKey.text).toContain('data-action="task.confirmed"');
    expect(byKey.text).toContain('API key');
  });

  test('by days in the display zone: today finds them, a day last year finds nothing', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const now = await admin.get(`/audit?from=${today}&to=${today}&actor=mia`);
    expect(ids(now.text)).toHaveLength(3);
    const old = await admin.get('/audit?from=2025-01-01&to=2025-01-31');
    expect(ids(old.text)).toEqual([]);
    expect(old.text).toContain('No records match these filters.');
  });

  test.each([
    ['action=user.exploded', 'action', 'Choose an action from the list.'],
    ['objectType=planet', 'objectType', 'Choose an object type from the list.'],
    ['objectId=41', 'filter-object-id', 'Choose the object type too: an ID alone could name several objects.'],
    ['from=2026-02-30', 'filter-from', 'Enter a date as YYYY-MM-DD.'],
    ['from=yesterday', 'filter-from', 'Enter a date as YYYY-MM-DD.'],
    ['from=2026-03-10&to=2026-03-01', 'filter-to', 'The end date cannot be before the start date.'],
    [`actor=${'x'.repeat(129)}`, 'filter-actor', 'Use at most 128 characters.'],
    ['actor=a&actor=b', 'filter-actor', 'Give this filter once.'],
  ])('a malformed filter (%s) answers 422 with its message, lists nothing and keeps the filters', async (qs, field, message) => {
    const res = await admin.get(`/audit?${qs}`);
    expect(res.status).toBe(422);
    const id = field === 'action' ? 'filter-action' : field === 'objectType' ? 'filter-object-type' : field;
    expect(fieldError(res.text, id)).toBe(message);
    expect(ids(res.text)).toEqual([]);
    expect(res.text).toContain('Correct the filters above to see records.');
    expect(exportLink(res.text)).toBeUndefined();
  });

  test('the typed values survive a 422, as typed', async () => {
    const res = await admin.get('/audit?actor=mia&from=2026-03-10&to=2026-03-01&objectType=task&objectId=T1');
    expect(res.status).toBe(422);
    expect(inputValue(res.text, 'actor')).toBe('mia');
    expect(inputValue(res.text, 'from')).toBe('2026-03-10');
    expect(inputValue(res.text, 'to')).toBe('2026-03-01');
    expect(inputValue(res.text, 'objectId')).toBe('T1');
    expect(selectedOption(res.text, 'objectType')).toBe('task');
  });

  test('a broken page link is a 422 on the page, never a 500', async () => {
    for (const qs of ['before=abc', 'after=-1', 'before=1&after=2', 'before=99999999999999999999']) {
      const res = await admin.get(`/audit?${qs}`);
      expect([qs, res.status]).toEqual([qs, 422]);
      expect(res.text).toContain('This page link is not valid.');
    }
  });
});

test('keyset pages: older and newer links walk the filter without gaps or repeats', async () => {
  for (let i = 0; i < AUDIT_PAGE_SIZE + 7; i += 1) {
    await recordAudit(t.db, { actor: { userId: 1, label: 'pager' }, ip: null, action: 'export.audit', object: { type: 'audit', id: null } });
  }
  const first = await admin.get('/audit?actor=pager');
  const firstIds = ids(first.text);
  expect(firstIds).toHaveLength(AUDIT_PAGE_SIZE);
  expect(link(first.text, 'newer')).toBeUndefined();
  const olderUrl = link(first.text, 'older')!;
  expect(olderUrl).toMatch(/^\/audit\?actor=pager&before=\d+$/);
  const second = await admin.get(olderUrl);
  const secondIds = ids(second.text);
  expect(secondIds).toHaveLength(7);
  expect(Math.max(...secondIds)).toBeLessThan(Math.min(...firstIds));
  expect(link(second.text, 'older')).toBeUndefined();
  const back = await admin.get(link(second.text, 'newer')!);
  expect(ids(back.text)).toEqual(firstIds);
  expect(link(back.text, 'newer')).toBeUndefined();
  expect(link(second.text, 'first')).toBe('/audit?actor=pager');
});

describe('the CSV export', () => {
  test('is the filter, streamed as UTF-8 with BOM, formula-safe, and itself recorded with its filter and row count', async () => {
    await recordAudit(t.db, {
      actor: { userId: 2, label: '=HYPERLINK("http://evil")' },
      ip: '127.0.0.1',
      action: 'signature.created',
      object: { type: 'signature', id: 77 },
      summary: { after: { name: '+cmd|calc' } },
    });
    const page = await admin.get('/audit?objectType=signature&objectId=77');
    expect(exportLink(page.text)).toBe('/audit/export.csv?objectType=signature&objectId=77');
    const res = await admin.get('/audit/export.csv?objectType=signature&objectId=77');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?audit-\d{8}\.csv"?$/);
    const lines = res.text.split('\r\n').filter(Boolean);
    expect(lines[0].startsWith('\uFEFFTime (Asia/Shanghai),Actor,')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    // The changes cell starts with its field name, so it is text already; the actor cell needed the apostrophe.
    expect(lines[1]).toContain(',name: +cmd|calc');
    expect(lines[1]).toContain('signature.created');

    const [record] = await t.db('audit_records').where({ action: 'export.audit' }).orderBy('id', 'desc').limit(1);
    expect(record).toMatchObject({ actor_label: 'admin', object_type: 'audit' });
    expect(JSON.parse(record.summary)).toEqual({ after: { format: 'csv', filter: { objectType: 'signature', objectId: '77' }, rows: 1, completed: true } });
  });

  test('in Chinese, the headers and labels are Chinese', async () => {
    const res = await admin.get('/audit/export.csv?action=signature.created').set('Accept-Language', 'zh-CN');
    expect(res.text.split('\r\n')[0]).toContain('操作者');
    expect(res.text).toContain('创建签名');
  });

  test('a malformed filter gets the page with its message (422), not a file', async () => {
    const res = await admin.get('/audit/export.csv?from=2026-13-01');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(fieldError(res.text, 'filter-from')).toBe('Enter a date as YYYY-MM-DD.');
  });
});

test('there is no route that changes or removes a record', async () => {
  const [{ id }] = await t.db('audit_records').select('id').limit(1);
  const _csrf = await tokenFor(admin, '/audit');
  for (const path of [`/audit/${id}`, `/audit/${id}/delete`, '/audit']) {
    expect([path, (await admin.post(path).type('form').send({ _csrf })).status]).toEqual([path, 404]);
    expect([path, (await admin.delete(path).set('X-CSRF-Token', _csrf)).status]).toEqual([path, 404]);
  }
  expect(await t.db('audit_records').where({ id }).first()).toBeDefined();
});

describe('the retention setting', () => {
  test('is on /settings (365 by default); fewer than 30 days or a non-number is refused with 422, the value kept', async () => {
    const page = await admin.get('/settings');
    expect(inputValue(page.text, 'auditRetentionDays')).toBe('365');
    const fields = formFields(page.text, '/settings');
    for (const value of ['29', '3651', 'abc', '']) {
      const res = await postForm(admin, '/settings', { ...fields, auditRetentionDays: value }, '/settings');
      expect([value, res.status]).toEqual([value, 422]);
      expect(fieldError(res.text, 'auditRetentionDays')).toMatch(value === '' ? /required/ : /whole number from 30 to 3,650/);
      expect(inputValue(res.text, 'auditRetentionDays')).toBe(value);
    }
    expect((await postForm(admin, '/settings', { ...fields, auditRetentionDays: '30' }, '/settings')).status).toBe(303);
    expect(inputValue((await admin.get('/settings')).text, 'auditRetentionDays')).toBe('30');
  });
});
