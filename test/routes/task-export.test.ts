import path from 'node:path';
import fs from 'node:fs';
import * as XLSX from 'xlsx';
import type request from 'supertest';
import { makeTestApp, addUser, loginAs, tokenFor, type TestApp, type Agent } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { phones, seedTask } from '../helpers/tasks';
import { runDueTasks } from '../helpers/outcomes';
import { ROOT_DIR } from '../../src/config';
import { saveSettings } from '../../src/services/settings.service';
import { formatDateTime } from '../../src/time/zoned-time';

const SAMPLES = path.join(ROOT_DIR, 'test', 'fixtures', 'samples');
const TWO_VARS = '尊敬的{1}，您的订单{2}已发货，请注意查收。';
const HEADER_EN = 'Phone number,Content,Characters,Segments,Sending time,Status report time,Status,Receipt code,Remarks,Variable 1,Variable 2';
const HEADER_ZH = '手机号码,短信内容,字数,拆分条数,发送时间,状态报告时间,发送状态,回执代码,备注,变量1,变量2';

let t: TestApp;
let admin: Agent;
let member: Agent;
let sampleTask: string;

/** Imports the shared sample through the send form, as a person would, confirms it and lets it be sent. */
async function importSample(agent: Agent): Promise<string> {
  const sigId = await approvedSignature(t.db, '腾讯云');
  const tplId = await approvedTemplate(t.db, TWO_VARS, 'notification', 'two vars');
  const _csrf = await tokenFor(agent, '/tasks/new');
  const fields = { smsType: 'notification', signatureId: String(sigId), templateId: String(tplId), recipientsMode: 'import', sendMode: 'now' };
  let req = agent.post('/tasks').field('_csrf', _csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  const res = await req.attach('file', fs.readFileSync(path.join(SAMPLES, 'recipients-2vars.xlsx')), 'recipients-2vars.xlsx');
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  const confirm = await agent.post(`/tasks/${id}/confirm`).type('form').send({ _csrf: await tokenFor(agent, res.headers.location) });
  expect(confirm.status).toBe(303);
  await runDueTasks(t.db);
  // The task id is given at confirm.
  return confirm.headers.location.split('/')[2];
}

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  [admin, member] = [await loginAs(t.app, 'admin'), await loginAs(t.app, 'mia')];
  sampleTask = await importSample(member);
});
afterAll(() => t.close());

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

async function csv(agent: Agent, url: string): Promise<{ res: request.Response; text: string; lines: string[] }> {
  const res = await agent.get(url).buffer(true).parse(binary);
  const text = (res.body as Buffer).toString('utf8');
  return { res, text, lines: text.split('\r\n').slice(0, -1) };
}

async function xlsx(agent: Agent, url: string): Promise<{ res: request.Response; book: XLSX.WorkBook; rows: unknown[][] }> {
  const res = await agent.get(url).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  const book = XLSX.read(res.body as Buffer);
  return { res, book, rows: XLSX.utils.sheet_to_json(book.Sheets[book.SheetNames[0]], { header: 1, defval: null }) };
}

async function setLocale(agent: Agent, locale: string) {
  await agent.post('/locale').type('form').send({ locale, _csrf: await tokenFor(agent, '/tasks') });
}

describe('csv', () => {
  test('UTF-8 with BOM, headers in English, one line per message, the sample row 12 parameter as text', async () => {
    const { res, text, lines } = await csv(admin, `/tasks/${sampleTask}/messages.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${sampleTask}-messages.csv`);
    expect(res.headers['content-length']).toBeUndefined();
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(lines[0]).toBe('\uFEFF' + HEADER_EN);
    expect(lines).toHaveLength(1 + 7);
    const row12 = lines.find((l) => l.startsWith('18912345678,'))!;
    expect(row12).toContain(`"'=HYPERLINK(""http://x"",""y"")",A1009`);
    expect(row12).toContain('【腾讯云】尊敬的=HYPERLINK(""http://x"",""y"")，您的订单A1009已发货，请注意查收。');
    const first = lines.find((l) => l.startsWith('13800138000,'))!.split(',');
    // 【腾讯云】 5 + 尊敬的张三，您的订单A1001已发货，请注意查收。 25
    expect(first.slice(2, 4)).toEqual(['30', '1']);
    expect(first[4]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(first.slice(6, 11)).toEqual(['Delivered', 'DELIVRD', 'Delivered', '张三', 'A1001']);
  });

  test('headers in the UI language: Chinese for a user who chose it', async () => {
    const zh = await loginAs(t.app, 'mia');
    await setLocale(zh, 'zh-CN');
    try {
      const { lines } = await csv(zh, `/tasks/${sampleTask}/messages.csv`);
      expect(lines[0]).toBe('\uFEFF' + HEADER_ZH);
      expect(lines.find((l) => l.startsWith('13800138000,'))).toContain(',发送成功,DELIVRD,成功送达,张三,A1001');
    } finally {
      await setLocale(zh, 'en');
    }
  });

  test('the current filter: status, phone prefix', async () => {
    const { taskId } = await seedTask(t.db, [...phones(3, '1391'), '13700000001', '13700000002'], { userId: 2 });
    await runDueTasks(t.db);
    const failed = await csv(admin, `/tasks/${taskId}/messages.csv?status=failed`);
    expect(failed.lines.slice(1).map((l) => l.split(',')[0])).toEqual(['13700000001']);
    const prefix = await csv(admin, `/tasks/${taskId}/messages.csv?phone=1391`);
    expect(prefix.lines.slice(1).map((l) => l.split(',')[0])).toEqual(phones(3, '1391'));
    expect((await admin.get(`/tasks/${taskId}/messages.csv?status=nope`)).status).toBe(400);
  });

  test('thousands of rows come out complete and in order (several batches)', async () => {
    const numbers = phones(2500, '1358');
    const { taskId } = await seedTask(t.db, numbers, { userId: 2 });
    const { lines } = await csv(member, `/tasks/${taskId}/messages.csv`);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(numbers);
    const { rows } = await xlsx(member, `/tasks/${taskId}/messages.xlsx`);
    expect(rows.slice(1).map((r) => r[0])).toEqual(numbers);
  });
});

describe('xlsx', () => {
  test('one sheet, English headers, phone as text, numbers as numbers, the row 12 parameter as text and no formula', async () => {
    const { res, book, rows } = await xlsx(admin, `/tasks/${sampleTask}/messages.xlsx`);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${sampleTask}-messages.xlsx`);
    expect(book.SheetNames).toEqual(['Messages']);
    expect(rows[0]).toEqual(HEADER_EN.split(','));
    expect(rows).toHaveLength(8);
    const sheet = book.Sheets.Messages;
    const r12 = rows.findIndex((r) => r[0] === '18912345678') + 1;
    const cell = sheet[`J${r12}`];
    // Inline strings are never formulas: the text is exactly as imported, with no apostrophe (the CSV keeps one).
    expect(cell).toMatchObject({ t: 's', v: `=HYPERLINK("http://x","y")` });
    expect(cell.f).toBeUndefined();
    expect(Object.values(sheet).some((c) => typeof c === 'object' && c !== null && 'f' in c)).toBe(false);
    expect(sheet[`A${r12}`].t).toBe('s');
    expect(sheet[`C${r12}`].t).toBe('n');
  });

  test('times are date cells of the wall clock in the time zone of the task, shown as yyyy-mm-dd hh:mm:ss', async () => {
    await saveSettings(t.db, { timeZone: 'America/New_York' });
    try {
      const { book, rows } = await xlsx(admin, `/tasks/${sampleTask}/messages.xlsx`);
      const sheet = book.Sheets.Messages;
      const r = rows.findIndex((row) => row[0] === '13800138000') + 1;
      const sent = (await t.db('messages').where({ task_id: sampleTask, phone: '13800138000' }).first()) as { submitted_at: string; reported_at: string };
      for (const [col, iso] of [['E', sent.submitted_at], ['F', sent.reported_at]]) {
        const cell = sheet[`${col}${r}`];
        expect(cell.t).toBe('n');
        // `w`: the cell as the spreadsheet shows it, through the cell's date-time format.
        expect(cell.w).toBe(formatDateTime(iso, 'America/New_York', 'en', true));
      }
    } finally {
      await saveSettings(t.db, { timeZone: 'Asia/Shanghai' });
    }
  });

  test('Chinese headers and sheet name for a Chinese user', async () => {
    const zh = await loginAs(t.app, 'admin');
    await setLocale(zh, 'zh-CN');
    try {
      const { book, rows } = await xlsx(zh, `/tasks/${sampleTask}/messages.xlsx`);
      expect(book.SheetNames).toEqual(['短信明细']);
      expect(rows[0]).toEqual(HEADER_ZH.split(','));
    } finally {
      await setLocale(zh, 'en');
    }
  });
});

describe('masking', () => {
  const firstColumn = (lines: string[]) => lines.slice(1).map((l) => l.split(',')[0]);

  afterEach(() => saveSettings(t.db, { maskNumbersForMembers: false }));

  test('admins choose: masked with mask=1 (csv and xlsx), whole otherwise', async () => {
    const masked = await csv(admin, `/tasks/${sampleTask}/messages.csv?mask=1`);
    expect(firstColumn(masked.lines)).toContain('138****8000');
    expect(firstColumn(masked.lines).every((p) => /^\d{3}\*{4}\d{4}$/.test(p))).toBe(true);
    expect(masked.text).not.toContain('13800138000');
    const { rows } = await xlsx(admin, `/tasks/${sampleTask}/messages.xlsx?mask=1`);
    expect(rows.slice(1).every((r) => /^\d{3}\*{4}\d{4}$/.test(String(r[0])))).toBe(true);
    expect(firstColumn((await csv(admin, `/tasks/${sampleTask}/messages.csv`)).lines)).toContain('13800138000');
  });

  test('members: whole numbers while the setting is off (whatever they ask), masked when it is on', async () => {
    expect(firstColumn((await csv(member, `/tasks/${sampleTask}/messages.csv?mask=1`)).lines)).toContain('13800138000');
    await saveSettings(t.db, { maskNumbersForMembers: true });
    const masked = await csv(member, `/tasks/${sampleTask}/messages.csv?mask=0`);
    expect(firstColumn(masked.lines)).toContain('138****8000');
    expect(masked.text).not.toMatch(/1[3-9]\d{9}/);
    const { rows } = await xlsx(member, `/tasks/${sampleTask}/messages.xlsx`);
    expect(rows.slice(1).every((r) => /^\d{3}\*{4}\d{4}$/.test(String(r[0])))).toBe(true);
    // The page tells the member; the admin still gets the choice.
    expect((await member.get(`/tasks/${sampleTask}`)).text).toContain('data-masked-for-member');
    const adminPage = await admin.get(`/tasks/${sampleTask}`);
    expect(adminPage.text).toContain('name="mask" value="1"');
    expect(adminPage.text).not.toContain('data-masked-for-member');
  });

  test('the settings form saves the switch and the retention days', async () => {
    const page = await admin.get('/settings');
    expect(page.text).toMatch(/name="retentionDays"[^>]*value="90"/);
    expect(page.text).not.toMatch(/name="maskNumbersForMembers"[^>]*checked/);
  });
});

test('a draft, or a task that does not exist, has no export', async () => {
  expect((await admin.get('/tasks/T0000000000/messages.csv')).status).toBe(404);
  const _csrf = await tokenFor(member, '/tasks/new');
  const sigId = await approvedSignature(t.db, '草稿签名');
  const tplId = await approvedTemplate(t.db, '您好，欢迎使用。', 'notification', 'plain');
  const res = await member
    .post('/tasks')
    .type('form')
    .send({ _csrf, smsType: 'notification', signatureId: String(sigId), templateId: String(tplId), recipientsMode: 'manual', manualNumbers: '13800138000', sendMode: 'now' });
  const draft = res.headers.location.split('/')[2];
  expect((await member.get(`/tasks/${draft}/messages.xlsx`)).status).toBe(404);
});
