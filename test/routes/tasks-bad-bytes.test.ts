import request from 'supertest';
import iconv from 'iconv-lite';
import * as XLSX from 'xlsx';
import type { TestApp, Agent } from '../helpers/app';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { draftRecipients } from '../helpers/task-rows';
import { createApiKey } from '../../src/services/api-keys.service';

/**
 * Issue 9, "Bad bytes never reach an SMS": a control character or an undecodable byte makes its row invalid with
 * its own reason, whichever way the recipients arrive (file, manual box, JSON API), and the row is never sent.
 */
let t: TestApp;
let member: Agent;
let sigId: number;
let plainId: number;
let twoVarsId: number;

beforeAll(async () => {
  ({ t, member, sigId, plainId, twoVarsId } = await sendFormApp());
});
afterAll(() => t.close());

function submit(fields: Record<string, string>, file?: { buffer: Buffer; name: string }) {
  const all = { smsType: 'notification', signatureId: String(sigId), templateId: String(twoVarsId), recipientsMode: 'import', sendMode: 'now', ...fields };
  return postSendForm(member, all, file);
}

async function imported(buffer: Buffer, name: string) {
  const res = await submit({}, { buffer, name });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  const invalid = await t.db('task_invalid_rows').where({ task_id: id }).orderBy('row_number');
  const sent = await draftRecipients(t.db, id);
  return { id, location: res.headers.location as string, invalid, contents: sent.map((r) => r.content), phones: sent.map((r) => r.phone) };
}

const phone = (i: number) => `139${String(i).padStart(8, '0')}`;

test('a NUL after the first 8 KB of a CSV: that row is refused as control characters, the others go on', async () => {
  const lines = ['phone,name,order'];
  for (let i = 0; i < 400; i += 1) lines.push(`${phone(i)},客户${i},A${i}`);
  lines.push(`${phone(400)},张\u0000三,A400`, `${phone(401)},李四,B\u0085`, `${phone(402)},王五,A402`);
  const csv = Buffer.from(lines.join('\r\n') + '\r\n');
  expect(csv.indexOf(0)).toBeGreaterThan(8192);

  const { location, invalid, phones, contents } = await imported(csv, 'late-nul.csv');
  expect(invalid.map((r) => [r.row_number, r.reason])).toEqual([[402, 'control_chars'], [403, 'control_chars']]);
  expect(phones).toHaveLength(401);
  expect(phones).not.toContain(phone(400));
  expect(contents.some((c) => /[\u0000-\u001f\u007f-\u009f]/.test(c))).toBe(false);

  const page = await member.get(location);
  expect(page.text).toContain('contains control characters');
  const download = await member.get(location.replace('/check', '/invalid-rows.csv'));
  expect(download.text).toContain('contains control characters');
  expect(download.text).not.toMatch(/\u0000/);
  const zh = await member.get(location).set('Accept-Language', 'zh-CN');
  expect(zh.text).toContain('含有控制字符');
});

test('a GBK CSV with a byte sequence GBK has no character for: that row is refused as undecodable', async () => {
  const head = iconv.encode(`手机号码,姓名,订单\r\n${phone(500)},张三,A1\r\n${phone(501)},`, 'gbk');
  // 0x81 0x20: a GBK lead byte followed by a byte that cannot end a character.
  const tail = iconv.encode(`四,A2\r\n${phone(502)},王五,A3\r\n`, 'gbk');
  const { invalid, contents, location } = await imported(Buffer.concat([head, Buffer.from([0x81, 0x20]), tail]), 'bad-gbk.csv');
  expect(invalid.map((r) => [r.row_number, r.value, r.reason])).toEqual([[3, phone(501), 'undecodable']]);
  expect(contents).toEqual(['【腾讯云】尊敬的张三，您的订单A1已发货，请注意查收。', '【腾讯云】尊敬的王五，您的订单A3已发货，请注意查收。']);
  const page = await member.get(location);
  expect(page.text).toContain('characters that could not be decoded: check the file&#39;s encoding');
});

test('a UTF-8 CSV with a damaged byte stays UTF-8: only that row is refused, the others are not garbled', async () => {
  const csv = Buffer.concat([
    Buffer.from(`手机号码,姓名,订单\r\n${phone(600)},张三,A1\r\n${phone(601)},李`),
    Buffer.from([0xff]),
    Buffer.from(`四,A2\r\n${phone(602)},王五,A3\r\n`),
  ]);
  const { invalid, contents } = await imported(csv, 'bad-utf8.csv');
  expect(invalid.map((r) => [r.row_number, r.reason])).toEqual([[3, 'undecodable']]);
  expect(contents).toEqual(['【腾讯云】尊敬的张三，您的订单A1已发货，请注意查收。', '【腾讯云】尊敬的王五，您的订单A3已发货，请注意查收。']);
});

test('an .xlsx cell with a control character (stored as _x0007_) or a line break: that row is refused', async () => {
  const sheet = XLSX.utils.aoa_to_sheet([['phone', 'name', 'order'], [phone(650), '张三', 'A1'], [phone(651), '李\u0007四', 'A2'], [phone(652), '王五', '第一行\n第二行']]);
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 's');
  const { invalid, phones } = await imported(XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer, 'controls.xlsx');
  expect(invalid.map((r) => [r.row_number, r.reason])).toEqual([[3, 'control_chars'], [4, 'control_chars']]);
  expect(phones).toEqual([phone(650)]);
});

test('the manual box: a number with a control character in it is refused with that reason', async () => {
  const res = await submit({ templateId: String(plainId), recipientsMode: 'manual', manualNumbers: `${phone(700)}\n${phone(701)}\u0007\n` });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  const invalid = await t.db('task_invalid_rows').where({ task_id: id });
  expect(invalid.map((r) => [r.value, r.reason])).toEqual([[`${phone(701)}␇`, 'control_chars']]);
  expect((await draftRecipients(t.db, id)).map((r) => r.phone)).toEqual([phone(700)]);
});

test('the JSON API applies the same rule to phones and parameters', async () => {
  const key = (await createApiKey(t.db, { name: 'bad-bytes', createdBy: 1 })).key;
  const res = await request(t.app)
    .post('/api/v1/tasks')
    .set('Authorization', `Bearer ${key}`)
    .send({
      signature: sigId,
      template: twoVarsId,
      recipients: [
        { phone: phone(800), params: ['张三', 'A1'] },
        { phone: phone(801), params: ['李\u0000四', 'A2'] },
        { phone: phone(802), params: ['王五', '第一行\n第二行'] },
        { phone: phone(803), params: ['赵\ufffd六', 'A4'] },
      ],
    });
  expect(res.status).toBe(201);
  expect(res.body.report.invalid.map((r: { row: number; reason: string; message: string }) => [r.row, r.reason, r.message])).toEqual([
    [2, 'control_chars', 'contains control characters'],
    [3, 'control_chars', 'contains control characters'],
    [4, 'undecodable', "characters that could not be decoded: check the file's encoding"],
  ]);
  const messages = await t.db('messages').where({ task_id: res.body.task.id });
  expect(messages.map((m) => m.phone)).toEqual([phone(800)]);
});
