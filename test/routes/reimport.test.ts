import fs from 'node:fs';
import path from 'node:path';
import * as XLSX from 'xlsx';
import type request from 'supertest';
import { tokenFor, unescapeHtml, type TestApp, type Agent } from '../helpers/app';
import { postSendForm, sendFormApp } from '../helpers/send-form';
import { draftRecipients } from '../helpers/task-rows';
import { runDueTasks } from '../helpers/outcomes';
import { ROOT_DIR } from '../../src/config';

/**
 * Issue 12, item 3: exports can be imported again. A task's export (.csv and .xlsx, either language) imports as it
 * is, every row valid; the invalid-rows download carries each row's number as the spreadsheet shows it, the phone,
 * the parameters and the reason, and once fixed it imports again too.
 */
const SAMPLES = path.join(ROOT_DIR, 'test', 'fixtures', 'samples');

let t: TestApp;
let member: Agent;
let twoVarsId: number;
let sampleDraft: string;
let sent: string;

const form = () => ({ smsType: 'notification', signatureId: String(sigId), templateId: String(twoVarsId), recipientsMode: 'import', sendMode: 'now' });
let sigId: number;

async function importFile(buffer: Buffer, name: string): Promise<{ id: string; check: string }> {
  const res = await postSendForm(member, form(), { buffer, name });
  expect(res.status).toBe(303);
  return { id: res.headers.location.split('/')[2], check: (await member.get(res.headers.location)).text };
}

const count = (html: string, what: string) => Number(new RegExp(`data-count="${what}">(\\d+)<`).exec(html)![1]);

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
const download = async (url: string) => (await member.get(url).buffer(true).parse(binary)).body as Buffer;

beforeAll(async () => {
  ({ t, member, sigId, twoVarsId } = await sendFormApp());
  const sample = await importFile(fs.readFileSync(path.join(SAMPLES, 'recipients-2vars.xlsx')), 'recipients-2vars.xlsx');
  sampleDraft = sample.id;
  // A copy confirmed and sent, for the exports.
  const again = await importFile(fs.readFileSync(path.join(SAMPLES, 'recipients-2vars.xlsx')), 'recipients-2vars.xlsx');
  const confirm = await member.post(`/tasks/${again.id}/confirm`).type('form').send({ _csrf: await tokenFor(member, `/tasks/${again.id}/check`) });
  expect(confirm.status).toBe(303);
  await runDueTasks(t.db);
  // The confirm gives the draft its task id.
  sent = confirm.headers.location.split('/')[2];
});
afterAll(() => t.close());

describe('a task export imports again, every row valid', () => {
  test.each([
    ['messages.csv', 'en'],
    ['messages.xlsx', 'en'],
    ['messages.csv', 'zh-CN'],
    ['messages.xlsx', 'zh-CN'],
  ])('%s in %s', async (file, lang) => {
    const res = await member.get(`/tasks/${sent}/${file}`).set('Accept-Language', lang).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const { id, check } = await importFile(res.body as Buffer, `${sent}-${file}`);
    expect([count(check, 'valid'), count(check, 'invalid')]).toEqual([7, 0]);
    const original = await t.db('messages').where({ task_id: sent }).orderBy('id').select('phone', 'params');
    const again = await draftRecipients(t.db, id);
    // The same numbers and parameters, the =HYPERLINK one too: the CSV's formula guard is undone on the way in.
    expect(again.map((r) => r.phone)).toEqual(original.map((m) => m.phone));
    expect(again.map((r) => JSON.parse(r.params))).toEqual(original.map((m) => JSON.parse(m.params)));
  });
});

describe('the invalid-rows download', () => {
  test('row numbers as the spreadsheet shows them, the phone, the parameters and the reason', async () => {
    const text = (await download(`/tasks/${sampleDraft}/invalid-rows.csv`)).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).split('\r\n').slice(0, -1);
    expect(lines).toEqual([
      'Row,Phone number,Variable 1,Variable 2,Reason',
      '9,12345678901,孙八,A1006,not a mainland mobile number',
      '10,1380013800,周九,A1007,10 digits',
      '11,,吴十,A1008,empty',
      '12,17712345678,郑十一,,"expects 2 parameters, found 1"',
    ]);
    // The check page shows the same numbers, and says how they are counted and what the download is for.
    const check = (await member.get(`/tasks/${sampleDraft}/check`)).text;
    expect(check).toMatch(/<td>9<\/td>/);
    expect(unescapeHtml(/<p class="hint" data-invalid-hint>([^<]*)<\/p>/.exec(check)![1])).toBe(
      'Rows are numbered as your spreadsheet shows them (the header is row 1). The download holds each row as typed with its reason: fix the rows and import that file again.',
    );
  });

  test('fixed, it imports again: its row and reason columns are known by their titles and ignored', async () => {
    const text = (await download(`/tasks/${sampleDraft}/invalid-rows.csv`)).toString('utf8');
    const fixed = text
      .replace('12345678901', '13912345678')
      .replace('1380013800,', '13800138001,')
      .replace('11,,', '11,13700000011,')
      .replace('郑十一,,', '郑十一,A1010,');
    const { check } = await importFile(Buffer.from(fixed, 'utf8'), 'fixed.csv');
    expect([count(check, 'valid'), count(check, 'invalid')]).toEqual([4, 0]);
  });

  test('in Chinese, with the same columns', async () => {
    const text = (await member.get(`/tasks/${sampleDraft}/invalid-rows.csv`).set('Accept-Language', 'zh-CN').buffer(true).parse(binary)).body.toString('utf8') as string;
    expect(text.slice(1).split('\r\n')[0]).toBe('行号,手机号码,变量1,变量2,原因');
    const check = (await member.get(`/tasks/${sampleDraft}/check`).set('Accept-Language', 'zh-CN')).text;
    expect(check).toContain('行号与表格中显示的一致（表头为第 1 行）');
  });

  test('an xlsx task export read back by SheetJS has no apostrophes and imports its formula-like parameter as typed', async () => {
    const book = XLSX.read(await download(`/tasks/${sent}/messages.xlsx`));
    const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]], { header: 1 });
    expect(rows.some((r) => r[9] === '=HYPERLINK("http://x","y")')).toBe(true);
  });
});
