import { makeTestApp, addUser, loginAs, postForm, fieldError, inputValue, type TestApp, type Agent } from '../helpers/app';
import { insertTaskRow } from '../helpers/task-rows';

/**
 * Issue 12, item 9: counts on the main pages are grouped in the reader's language ("12,345", in English and in
 * Chinese alike), English counts take their plural, and what is not a count (task ids, phone numbers, dates) is
 * never grouped.
 */
let t: TestApp;
let admin: Agent;
let taskId: string;
const PHONE = '13800138000';

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  admin = await loginAs(t.app, 'admin');
  // 12,345 recipients: 11,000 delivered, 1,000 failed, 345 rejected at submit.
  taskId = await insertTaskRow(t.db, {
    status: 'completed', recipients: 12_345, submitted: 12_000, delivered: 11_000, failed: 1_000, rejected: 345, phones: [PHONE, '13900139000'],
  });
  await t.db('tasks').where({ id: taskId }).update({
    rows_read: 13_001, invalid_count: 1_234, duplicates_removed: 1_422, repeated_numbers: 0, total_segments: 24_690, total_chars: 1_760_000, max_chars: 71, max_segments: 1,
  });
  // A refused row far down the sheet: its row number is an address, as Excel shows it, never grouped.
  await t.db('task_invalid_rows').insert({ task_id: taskId, row_number: 12_999, value: '1380013800', reason: 'phone_length', reason_params: JSON.stringify({ digits: 10 }) });
});
afterAll(() => t.close());

async function inLanguage(locale: 'en' | 'zh-CN'): Promise<void> {
  await t.db('users').where({ username: 'admin' }).update({ locale });
}

/** The text of the element carrying `attribute`, e.g. `data-count="delivered"`. */
function cell(html: string, attribute: string): string | undefined {
  return new RegExp(`${attribute}[^>]*>([^<]*)<`).exec(html)?.[1].trim();
}

describe.each(['en', 'zh-CN'] as const)('in %s', (locale) => {
  beforeAll(() => inLanguage(locale));

  test('the task list groups the recipients and outcomes; the task id is not grouped', async () => {
    const html = (await admin.get('/tasks')).text;
    const row = new RegExp(`<tr data-task-id="${taskId}"[\\s\\S]*?</tr>`).exec(html)![0];
    expect(row).toContain(`>${taskId}</a>`);
    expect(row).toContain('<td class="num">12,345</td>');
    expect(cell(row, 'data-progress-field="outcomes.delivered"')).toBe('11,000');
    expect(cell(row, 'data-progress-field="outcomes.failed"')).toBe('1,345');
  });

  test('the details page groups the counts, the totals and the handed figure; phones and dates are not grouped', async () => {
    const html = (await admin.get(`/tasks/${taskId}`)).text;
    expect(cell(html, 'data-count="delivered"')).toBe('11,000');
    expect(cell(html, 'data-count="failed"')).toBe('1,000');
    expect(cell(html, 'data-count="segments"')).toBe('24,690');
    expect(cell(html, 'data-total="chars"')).toBe('1,760,000');
    expect(cell(html, 'data-progress-template')).toBe(locale === 'en' ? '12,345 / 12,345 handed to the carrier' : '已提交运营商 12,345 / 12,345');
    expect(html).toMatch(locale === 'en' ? /12,345 messages/ : /共 12,345 条短信/);
    expect(html).toContain(`>${PHONE}<`);
    expect(html).not.toMatch(/\d,\d{3}-\d\d-\d\d/);
  });

  test('the check report groups its counts', async () => {
    const html = (await admin.get(`/tasks/${taskId}/check`)).text;
    expect(cell(html, 'data-count="rowsRead"')).toBe('13,001');
    expect(cell(html, 'data-count="valid"')).toBe('12,345');
    expect(cell(html, 'data-count="invalid"')).toBe('1,234');
    expect(cell(html, 'data-count="duplicates"')).toBe('1,422');
    expect(cell(html, 'data-count="segments"')).toBe('24,690');
    expect(html).toContain('<td>12999</td><td><code>1380013800</code></td>');
  });

  test('the send form states the file limit grouped', async () => {
    const html = (await admin.get('/tasks/new')).text;
    expect(html).toContain(locale === 'en' ? 'At most 100,000 numbers and 10 MB per file.' : '单个文件最多 100,000 个号码、10 MB。');
  });

  test('the settings page groups the bounds of a refused number, the field keeps what was typed', async () => {
    const form = (await admin.get('/settings')).text;
    expect(form).toContain(locale === 'en' ? '(1–3,650, default 90)' : '（1–3,650，默认 90）');
    const res = await postForm(admin, '/settings', { importMaxRows: '2000000' }, '/settings');
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'importMaxRows')).toBe(locale === 'en' ? 'Enter a whole number from 1 to 1,000,000.' : '请输入 1 到 1,000,000 之间的整数。');
    expect(inputValue(res.text, 'importMaxRows')).toBe('2000000');
  });
});

test('English counts take their plural: one message matches, many messages match', async () => {
  await inLanguage('en');
  const one = (await admin.get(`/tasks/${taskId}?phone=${PHONE}`)).text;
  expect(one).toContain('1 message matches the filter');
  const many = (await admin.get(`/tasks/${taskId}?status=delivered`)).text;
  expect(many).toContain('11,000 messages match the filter');
  expect(many).not.toContain('(s)');
});
