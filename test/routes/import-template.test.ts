import * as XLSX from 'xlsx';
import type request from 'supertest';
import { fieldError, unescapeHtml, type TestApp, type Agent } from '../helpers/app';
import { approvedTemplate } from '../helpers/catalogue';
import { insertCatalogueItem } from '../../src/queries/catalogue.queries';
import { postSendForm, sendFormApp } from '../helpers/send-form';
import { draftRecipients } from '../helpers/task-rows';

/**
 * Issue 12, item 10: the import template. Nothing in it is imported if left in (the example is a # comment row in
 * the .csv, a second sheet in the .xlsx); its header names the template's variables with the template's text around
 * them, and its notes give the whole text; the file is named after the template (RFC 5987 filename* for Chinese
 * names, an ASCII filename for old clients).
 */
let t: TestApp;
let member: Agent;
let sigId: number;
let twoVarsId: number;
let plainId: number;
let chineseNameId: number;

beforeAll(async () => {
  ({ t, member, sigId, twoVarsId, plainId } = await sendFormApp());
  chineseNameId = await approvedTemplate(t.db, '您的验证码为{1}，5分钟内有效。', 'notification', '发货通知');
});
afterAll(() => t.close());

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
const download = (url: string, lang = 'en') => member.get(url).set('Accept-Language', lang).buffer(true).parse(binary);

/** The send form with this file for the two-variable template: the check page's counts and the draft's phones. */
async function importFile(buffer: Buffer, name: string): Promise<{ valid: number; invalid: number; phones: string[] }> {
  const fields = { smsType: 'notification', signatureId: String(sigId), templateId: String(twoVarsId), recipientsMode: 'import', sendMode: 'now' };
  const res = await postSendForm(member, fields, { buffer, name });
  expect(res.status).toBe(303);
  const check = (await member.get(res.headers.location)).text;
  const count = (what: string) => Number(new RegExp(`data-count="${what}">(\\d+)<`).exec(check)![1]);
  const phones = (await draftRecipients(t.db, res.headers.location.split('/')[2])).map((r) => r.phone);
  return { valid: count('valid'), invalid: count('invalid'), phones };
}

const VARIABLE_1 = 'Variable 1: 尊敬的{1}，您的订单{2}…';
const VARIABLE_2 = 'Variable 2: …{1}，您的订单{2}已发货，请注意查…';

describe('.csv', () => {
  test('notes and the example are # comment rows around a header naming the variables with their text', async () => {
    const res = await download(`/tasks/import-template.csv?templateId=${twoVarsId}`);
    expect(res.status).toBe(200);
    const text = (res.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.slice(1).split('\r\n')).toEqual([
      '# Import template for “two vars”: 尊敬的{1}，您的订单{2}已发货，请注意查收。',
      // Quoted for its comma; still a comment, as its cell starts with #.
      `"# One recipient a row: the phone number, then each variable's value."`,
      '# Rows starting with # are notes: they are never imported.',
      `Phone number,${VARIABLE_1},${VARIABLE_2}`,
      '# 13800138000,value 1,value 2',
      '',
    ]);
  });

  test('filled in below the example, only the rows the user added are imported', async () => {
    const file = (await download(`/tasks/import-template.csv?templateId=${twoVarsId}`)).body as Buffer;
    const filled = Buffer.concat([file, Buffer.from('13900139000,李四,B2\r\n', 'utf8')]);
    expect(await importFile(filled, 'filled.csv')).toEqual({ valid: 1, invalid: 0, phones: ['13900139000'] });
  });

  test('a template without variables: the phone column alone, filled in and imported', async () => {
    const text = ((await download(`/tasks/import-template.csv?templateId=${plainId}`)).body as Buffer).toString('utf8');
    expect(text.slice(1).split('\r\n').slice(-3)).toEqual(['Phone number', '# 13800138000', '']);
    const fields = { smsType: 'notification', signatureId: String(sigId), templateId: String(plainId), recipientsMode: 'import', sendMode: 'now' };
    const res = await postSendForm(member, fields, { buffer: Buffer.from(text + '13900139000\r\n', 'utf8'), name: 'plain.csv' });
    expect(res.status).toBe(303);
    expect((await draftRecipients(t.db, res.headers.location.split('/')[2])).map((r) => r.phone)).toEqual(['13900139000']);
  });

  test('in Chinese', async () => {
    const text = ((await download(`/tasks/import-template.csv?templateId=${twoVarsId}`, 'zh-CN')).body as Buffer).toString('utf8');
    expect(text.slice(1).split('\r\n')).toEqual([
      '# “two vars”的导入模板：尊敬的{1}，您的订单{2}已发货，请注意查收。',
      '# 每行一个收件人：先填手机号码，再依次填各变量的值。',
      '# 以 # 开头的行是说明，不会导入。',
      '手机号码,变量1：尊敬的{1}，您的订单{2}…,变量2：…{1}，您的订单{2}已发货，请注意查…',
      '# 13800138000,参数1,参数2',
      '',
    ]);
  });
});

describe('.xlsx', () => {
  test('the first sheet holds only the header; the example and the notes are in a second sheet', async () => {
    const book = XLSX.read((await download(`/tasks/import-template.xlsx?templateId=${twoVarsId}`)).body as Buffer, { cellNF: true });
    expect(book.SheetNames).toEqual(['Recipients', 'Example']);
    const rows = (name: string) => XLSX.utils.sheet_to_json<string[]>(book.Sheets[name], { header: 1 });
    expect(rows('Recipients')).toEqual([['Phone number', VARIABLE_1, VARIABLE_2]]);
    expect(rows('Example')).toEqual([
      ['Import template for “two vars”: 尊敬的{1}，您的订单{2}已发货，请注意查收。'],
      ["One recipient a row: the phone number, then each variable's value."],
      ['Fill in the first sheet: only it is read, so this example is never imported.'],
      [],
      ['Phone number', VARIABLE_1, VARIABLE_2],
      ['13800138000', 'value 1', 'value 2'],
    ]);
    // The example's phone is text, so Excel shows its 11 digits rather than 1.38E+10.
    expect(book.Sheets.Example.A6).toMatchObject({ t: 's', z: '@' });
  });

  test('filled in on its first sheet, only the rows the user added are imported', async () => {
    const book = XLSX.read((await download(`/tasks/import-template.xlsx?templateId=${twoVarsId}`)).body as Buffer);
    XLSX.utils.sheet_add_aoa(book.Sheets[book.SheetNames[0]], [['13900139000', '李四', 'B2'], ['13700137000', '王五', 'C3']], { origin: 'A2' });
    const filled = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
    expect(await importFile(filled, 'filled.xlsx')).toEqual({ valid: 2, invalid: 0, phones: ['13900139000', '13700137000'] });
  });

  test('in Chinese: sheet names and header', async () => {
    const book = XLSX.read((await download(`/tasks/import-template.xlsx?templateId=${twoVarsId}`, 'zh-CN')).body as Buffer);
    expect(book.SheetNames).toEqual(['收件人', '示例']);
    expect(XLSX.utils.sheet_to_json<string[]>(book.Sheets['收件人'], { header: 1 })[0][0]).toBe('手机号码');
  });
});

test.each([['csv'], ['xlsx']])('the .%s as downloaded, example left in, imports no one: the form says the file has no numbers', async (format) => {
  const file = (await download(`/tasks/import-template.${format}?templateId=${twoVarsId}`)).body as Buffer;
  const fields = { smsType: 'notification', signatureId: String(sigId), templateId: String(twoVarsId), recipientsMode: 'import', sendMode: 'now' };
  const res = await postSendForm(member, fields, { buffer: file, name: `as-downloaded.${format}` });
  expect(res.status).toBe(422);
  expect(fieldError(res.text, 'file')).toBe('The file has only a header row and no numbers.');
});

describe('the file name carries the template name', () => {
  test.each([
    ['an ASCII name, in English', () => twoVarsId, 'en', 'csv', 'two-vars-import-template-{id}.csv', 'two vars-import template.csv'],
    ['an ASCII name, in Chinese', () => twoVarsId, 'zh-CN', 'xlsx', 'two-vars-import-template-{id}.xlsx', 'two vars-导入模板.xlsx'],
    ['a Chinese name', () => chineseNameId, 'zh-CN', 'xlsx', 'import-template-{id}.xlsx', '发货通知-导入模板.xlsx'],
    ['a Chinese name, in English', () => chineseNameId, 'en', 'csv', 'import-template-{id}.csv', '发货通知-import template.csv'],
  ])('%s', async (_, id, lang, format, ascii, utf8) => {
    const res = await download(`/tasks/import-template.${format}?templateId=${id()}`, lang);
    expect(res.status).toBe(200);
    const header = res.headers['content-disposition'];
    const fallback = /filename="([^"]*)"/.exec(header)![1];
    const encoded = /filename\*=UTF-8''(\S+)$/.exec(header)![1];
    expect(fallback).toBe(ascii.replace('{id}', String(id())));
    expect(encoded).toMatch(/^[A-Za-z0-9%._~!$&+^`|-]+$/);
    expect(decodeURIComponent(encoded)).toBe(utf8);
  });

  test('characters a file name cannot hold become _', async () => {
    const id = await approvedTemplate(t.db, '取件码{1}', 'notification', '快递/取件:通知');
    const header = (await download(`/tasks/import-template.csv?templateId=${id}`, 'zh-CN')).headers['content-disposition'];
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(header)![1])).toBe('快递_取件_通知-导入模板.csv');
  });
});

test("an approved template's page links its import template; one under review does not", async () => {
  const page = (await member.get(`/templates/${twoVarsId}`)).text;
  const links = /<dd data-import-template>([\s\S]*?)<\/dd>/.exec(page)![1];
  expect([...links.matchAll(/href="([^"]+)"/g)].map((m) => unescapeHtml(m[1]))).toEqual([
    `/tasks/import-template.xlsx?templateId=${twoVarsId}`,
    `/tasks/import-template.csv?templateId=${twoVarsId}`,
  ]);
  const pending = await insertCatalogueItem(t.db, 'templates', { name: 'pending', sms_type: 'notification', content: '取件码{1}' }, 1);
  const pendingPage = await member.get(`/templates/${pending}`);
  expect(pendingPage.status).toBe(200);
  expect(pendingPage.text).not.toContain('data-import-template');
});
