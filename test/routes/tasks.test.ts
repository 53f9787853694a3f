import path from 'node:path';
import fs from 'node:fs';
import { tokenFor, type TestApp, type Agent } from '../helpers/app';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { ROOT_DIR } from '../../src/config';
import { draftRecipients } from '../helpers/task-rows';

const SAMPLES = path.join(ROOT_DIR, 'test', 'fixtures', 'samples');

let t: TestApp;
let member: Agent;
let sigId: number;
let plainId: number;
let twoVarsId: number;

beforeAll(async () => {
  ({ t, member, sigId, plainId, twoVarsId } = await sendFormApp());
});
afterAll(() => t.close());

function form(extra: Record<string, string>) {
  return { smsType: 'notification', signatureId: String(sigId), templateId: String(plainId), recipientsMode: 'manual', sendMode: 'now', ...extra };
}

test('the form lists approved signatures and the templates of the chosen type', async () => {
  const res = await member.get('/tasks/new?smsType=notification');
  expect(res.status).toBe(200);
  expect(res.text).toContain('【腾讯云】');
  expect(res.text).toContain('two vars');
  const marketing = await member.get('/tasks/new?smsType=marketing');
  expect(marketing.text).not.toContain('two vars');
});

test('manual numbers: check report, confirm, listed as a scheduled task with its snapshot', async () => {
  const res = await postSendForm(member, form({ manualNumbers: '13800138000, 13800138001;13800138000\n12800138000；138001' }));
  expect(res.status).toBe(303);
  const checkUrl = res.headers.location;
  // A check uses up no task id: the draft has a handle until the confirm gives it the day's next id.
  expect(checkUrl).toMatch(/^\/tasks\/D[0-9a-f]{12}\/check$/);
  const check = await member.get(checkUrl);
  expect(check.status).toBe(200);
  expect(check.text).toMatch(/data-count="rowsRead">5</);
  expect(check.text).toMatch(/data-count="valid">2</);
  expect(check.text).toMatch(/data-count="invalid">2</);
  expect(check.text).toMatch(/data-count="duplicates">1</);
  expect(check.text).toContain('not a mainland mobile number');
  expect(check.text).toContain('6 digits');

  const draft = checkUrl.split('/')[2];
  // The draft's recipients wait outside `messages` until the confirm moves them there, once.
  const staged = await draftRecipients(t.db, draft);
  expect(staged.map((r) => r.phone)).toEqual(['13800138000', '13800138001']);
  expect(await t.db('messages').where({ task_id: draft }).count({ n: '*' })).toEqual([{ n: 0 }]);
  const _csrf = await tokenFor(member, checkUrl);
  const first = await member.post(`/tasks/${draft}/confirm`).type('form').send({ _csrf });
  // A second confirm by the draft's old handle (another tab) is harmless and lands on the same task.
  const second = await member.post(`/tasks/${draft}/confirm`).type('form').send({ _csrf });
  expect(first.status).toBe(303);
  expect(second.status).toBe(303);
  expect(first.headers.location).toMatch(/^\/tasks\/T\d{10}$/);
  expect(second.headers.location).toBe(first.headers.location);
  const id = first.headers.location.split('/')[2];
  const rows = await t.db('tasks').where({ id });
  expect(rows).toHaveLength(1);
  expect(rows[0].status).toBe('scheduled');
  expect(rows[0].signature_text).toBe('腾讯云');
  const moved = await t.db('messages').where({ task_id: id }).orderBy('id').select('row_number', 'phone', 'params', 'content', 'chars', 'segments', 'status');
  expect(moved).toEqual(staged.map((r) => ({ row_number: r.row_number, phone: r.phone, params: r.params, content: r.content, chars: r.chars, segments: r.segments, status: 'pending' })));
  expect(await draftRecipients(t.db, id)).toEqual([]);
  expect(await draftRecipients(t.db, draft)).toEqual([]);
  const list = await member.get('/tasks');
  expect(list.text).toContain(id);
});

test('manual numbers: spaces stay inside a number, as in an imported file', async () => {
  const res = await postSendForm(member, form({ manualNumbers: '139 0013 9000\n+86 137 0013 7000，136-0013-6000' }));
  expect(res.status).toBe(303);
  const check = await member.get(res.headers.location);
  expect(check.text).toMatch(/data-count="rowsRead">3</);
  expect(check.text).toMatch(/data-count="valid">3</);
  expect(check.text).toMatch(/data-count="invalid">0</);
  const staged = await draftRecipients(t.db, res.headers.location.split('/')[2]);
  expect(staged.map((r) => r.phone)).toEqual(['13900139000', '13700137000', '13600136000']);
});

test.each([
  ['recipients-2vars.xlsx'],
  ['recipients-2vars-utf8-bom.csv'],
  ['recipients-2vars-gbk.csv'],
])('import %s: 7 valid, 1 duplicate, 4 invalid', async (name) => {
  const res = await postSendForm(member, form({ templateId: String(twoVarsId), recipientsMode: 'import' }), { buffer: fs.readFileSync(path.join(SAMPLES, name)), name });
  expect(res.status).toBe(303);
  const check = await member.get(res.headers.location);
  expect(check.text).toMatch(/data-count="valid">7</);
  expect(check.text).toMatch(/data-count="duplicates">1</);
  expect(check.text).toMatch(/data-count="invalid">4</);
  const csv = await member.get(res.headers.location.replace('/check', '/invalid-rows.csv'));
  expect(csv.status).toBe(200);
  expect(csv.text.charCodeAt(0)).toBe(0xfeff);
  expect(csv.text).toContain('expects 2 parameters, found 1');
});
