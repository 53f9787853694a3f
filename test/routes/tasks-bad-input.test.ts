import * as XLSX from 'xlsx';
import iconv from 'iconv-lite';
import { tokenFor, type TestApp, type Agent } from '../helpers/app';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { zipOf, passwordProtectedXlsx } from '../fixtures/imports/build';
import { saveSettings } from '../../src/services/settings.service';
import { toLocalInputValue } from '../../src/time/zoned-time';
import { draftRecipients } from '../helpers/task-rows';

let t: TestApp;
let member: Agent;
let sigId: number;
let plainId: number;
let twoVarsId: number;

beforeAll(async () => {
  ({ t, member, sigId, plainId, twoVarsId } = await sendFormApp());
});
afterAll(() => t.close());

const importForm = (extra: Record<string, string> = {}) => ({
  smsType: 'notification', signatureId: String(sigId), templateId: String(twoVarsId), recipientsMode: 'import', sendMode: 'now', ...extra,
});

const submit = (fields: Record<string, string>, file?: { buffer: Buffer; name: string }) => postSendForm(member, fields, file);

function xlsx(rows: unknown[][], ref?: string): Buffer {
  const sheet = XLSX.utils.aoa_to_sheet(rows);
  if (ref) sheet['!ref'] = ref;
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 's');
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
}

const taskCount = async () => Number((await t.db('tasks').count({ n: '*' }))[0].n);

/** Each bad file: the form comes back with the status, the message on the file field, and nothing stored. */
test.each([
  ['empty file', Buffer.alloc(0), 'empty.csv', 'The file is empty.'],
  ['only a header', Buffer.from('phone,name,order\r\n'), 'header.csv', 'only a header row'],
  ['an xlsx renamed .csv', xlsx([['13800138000', 'a', 'b']]), 'renamed.csv', 'is named .csv but its content is xlsx'],
  ['a txt renamed .xlsx', Buffer.from('13800138000\n13800138001\n'), 'renamed.xlsx', 'is named .xlsx but its content is text'],
  ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), 'random.xlsx', 'could not be read'],
  ['a .pdf', Buffer.from('%PDF-1.4 hello'), 'numbers.pdf', 'Unsupported file type'],
])('%s → 422 with a clear message', async (_label, buffer, name, message) => {
  const before = await taskCount();
  const res = await submit(importForm(), { buffer, name });
  expect(res.status).toBe(422);
  expect(res.text).toContain(message);
  expect(res.text).toMatch(/id="file-error"/);
  expect(res.text).toContain('【腾讯云】'); // the choices are still there
  expect(res.text).toMatch(new RegExp(`<option value="${twoVarsId}" selected>`));
  expect(await taskCount()).toBe(before);
});

test('a password-protected workbook is refused as such', async () => {
  const buffer = passwordProtectedXlsx();
  const res = await submit(importForm(), { buffer, name: 'locked.xlsx' });
  expect(res.status).toBe(422);
  expect(res.text).toContain('password-protected');
});

test('a zip bomb is refused before it is unpacked', async () => {
  const small = (s: string) => Buffer.from(s);
  const buffer = zipOf([
    { name: '[Content_Types].xml', data: small('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'xl/workbook.xml', data: small('<workbook><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>') },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(300 * 1024 * 1024, 0x20) },
  ]);
  expect(buffer.length).toBeLessThan(1024 * 1024);
  const started = Date.now();
  const res = await submit(importForm(), { buffer, name: 'bomb.xlsx' });
  expect(res.status).toBe(422);
  expect(res.text).toContain('unpacks to far more data');
  expect(Date.now() - started).toBeLessThan(5000);
});

test('a sheet that claims 1,048,576 rows is refused quickly', async () => {
  const buffer = xlsx([['13800138000', 'a', 'b']], 'A1:C1048576');
  const res = await submit(importForm(), { buffer, name: 'huge.xlsx' });
  expect(res.status).toBe(422);
  expect(res.text).toContain('The sheet runs to row 1048576: far more numbers than the limit of 100,000.');
});

test('100,001 rows are refused with the count found', async () => {
  const lines = Array.from({ length: 100_001 }, (_, i) => `138${String(i).padStart(8, '0')},a,b`);
  const res = await submit(importForm(), { buffer: Buffer.from(lines.join('\n')), name: 'big.csv' });
  expect(res.status).toBe(422);
  expect(res.text).toContain('100,001 numbers, the limit is 100,000.');
});

test('a file over the size limit gets 413 and a message on the form, not a reset connection', async () => {
  await saveSettings(t.db, { importMaxBytes: 1024 * 1024 });
  try {
    const res = await submit(importForm(), { buffer: Buffer.alloc(1024 * 1024 + 10, 0x31), name: 'big.csv' });
    expect(res.status).toBe(413);
    expect(res.text).toContain('larger than 1 MB');
  } finally {
    await saveSettings(t.db, { importMaxBytes: 10 * 1024 * 1024 });
  }
});

test('GBK CSV, a formula and a script tag as parameters: kept as literal text, shown escaped, exported safely', async () => {
  const csv = '手机号码,姓名,订单\r\n13800138000,<script>alert(1)</script>,A1\r\n13800138001,"=HYPERLINK(""http://x"",""y"")",A2\r\n12800138000,=1+1,A3\r\n';
  const res = await submit(importForm(), { buffer: iconv.encode(csv, 'gbk'), name: 'gbk.csv' });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  const contents = (await draftRecipients(t.db, id)).map((r) => r.content);
  expect(contents).toEqual(['【腾讯云】尊敬的<script>alert(1)</script>，您的订单A1已发货，请注意查收。', '【腾讯云】尊敬的=HYPERLINK("http://x","y")，您的订单A2已发货，请注意查收。']);
  const check = await member.get(res.headers.location);
  expect(check.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(check.text).not.toContain('<script>alert(1)</script>');
});

test('the invalid-rows export neutralises formulas', async () => {
  const csv = 'phone,a,b\n=cmd|calc,a,b\n+8613800138000x,a,b\n';
  const res = await submit(importForm(), { buffer: Buffer.from(csv), name: 'evil.csv' });
  expect(res.status).toBe(303);
  const out = await member.get(res.headers.location.replace('/check', '/invalid-rows.csv'));
  expect(out.text).toContain("'=cmd|calc");
  expect(out.text).toContain("'+8613800138000x");
});

test.each<[string, Record<string, string>, string, string]>([
  ['no signature', { signatureId: '' }, 'signatureId', 'Choose an approved signature.'],
  ['no template', { templateId: '' }, 'templateId', 'Choose an approved template.'],
  ['no SMS type', { smsType: '' }, 'smsType', 'Choose an SMS type.'],
  ['a schedule in the past', { sendMode: 'scheduled', sendAt: '2020-01-01T09:00' }, 'sendAt', 'at least 1 minute in the future'],
  ['a schedule in 31 days', { sendMode: 'scheduled', sendAt: toLocalInputValue(new Date(Date.now() + 31 * 86_400_000), 'Asia/Shanghai') }, 'sendAt', 'within the next 30 days'],
  ['a schedule that is not a date', { sendMode: 'scheduled', sendAt: 'next tuesday' }, 'sendAt', 'Not a date and time'],
  ['manual numbers for a template with variables', { recipientsMode: 'manual', manualNumbers: '13800138000' }, 'manualNumbers', 'This template has variables'],
])('%s → 422 on that field, values kept', async (_label, extra, fieldName, message) => {
  const res = await submit(importForm({ ...extra, manualNumbers: extra.manualNumbers ?? 'kept text' }));
  expect(res.status).toBe(422);
  expect(res.text).toContain(`id="${fieldName}-error"`);
  expect(res.text).toContain(message);
  if (extra.sendAt) expect(res.text).toContain(`value="${extra.sendAt}"`);
});

test('over the limit, a workbook with a header is refused by the numbers it holds, not the rows of the sheet', async () => {
  await saveSettings(t.db, { importMaxRows: 10 });
  try {
    const rows = [['phone', 'name', 'order'], ...Array.from({ length: 12 }, (_, i) => [`1380013${String(i).padStart(4, '0')}`, 'a', 'b'])];
    const res = await submit(importForm(), { buffer: xlsx(rows), name: 'twelve.xlsx' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('12 numbers, the limit is 10.');
    expect(res.text).not.toContain('13 rows');
    let zhReq = member.post('/tasks').set('Accept-Language', 'zh-CN').field('_csrf', await tokenFor(member, '/tasks/new'));
    for (const [k, v] of Object.entries(importForm())) zhReq = zhReq.field(k, v);
    const zh = await zhReq.attach('file', xlsx(rows), 'twelve.xlsx');
    expect(zh.text).toContain('文件有 12 个号码，上限为 10 个。');
    const manual = await submit({ ...importForm(), templateId: String(plainId), recipientsMode: 'manual', manualNumbers: rows.slice(1).map((r) => r[0]).join('\n') });
    expect(manual.text).toContain('12 numbers, the limit is 10.');
  } finally {
    await saveSettings(t.db, { importMaxRows: 100_000 });
  }
});

test('100,001 manual numbers are refused with the count', async () => {
  const numbers = Array.from({ length: 100_001 }, (_, i) => `139${String(i).padStart(8, '0')}`).join('\n');
  const res = await submit({ ...importForm(), templateId: String(plainId), recipientsMode: 'manual', manualNumbers: numbers });
  expect(res.status).toBe(422);
  expect(res.text).toContain('100,001 numbers, the limit is 100,000.');
});

test('a template disabled between check and confirm: confirm is refused with the reason, nothing scheduled', async () => {
  const res = await submit({ ...importForm(), templateId: String(plainId), recipientsMode: 'manual', manualNumbers: '13800138000' });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  await t.db('templates').where({ id: plainId }).update({ status: 'disabled' });
  try {
    const _csrf = await tokenFor(member, res.headers.location);
    const confirm = await member.post(`/tasks/${id}/confirm`).type('form').send({ _csrf });
    expect(confirm.status).toBe(422);
    expect(confirm.text).toContain('is no longer approved');
    expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');
  } finally {
    await t.db('templates').where({ id: plainId }).update({ status: 'approved' });
  }
});

test('a draft with no valid recipient cannot be confirmed', async () => {
  const res = await submit({ ...importForm(), templateId: String(plainId), recipientsMode: 'manual', manualNumbers: '12800138000' });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  const page = await member.get(res.headers.location);
  expect(page.text).not.toContain(`action="/tasks/${id}/confirm"`);
  const _csrf = await tokenFor(member, res.headers.location);
  const confirm = await member.post(`/tasks/${id}/confirm`).type('form').send({ _csrf });
  expect(confirm.status).toBe(422);
  expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');
});

test('an upload without the CSRF token is refused and stores nothing', async () => {
  const before = await taskCount();
  let req = member.post('/tasks');
  for (const [k, v] of Object.entries({ ...importForm(), templateId: String(plainId), recipientsMode: 'manual', manualNumbers: '13800138000' })) req = req.field(k, v);
  const res = await req;
  expect(res.status).toBe(403);
  expect(await taskCount()).toBe(before);
});
