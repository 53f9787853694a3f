import { approvedTemplate } from '../helpers/catalogue';
import { sendFormApp, postSendForm } from '../helpers/send-form';
import { insertTaskRow } from '../helpers/task-rows';
import { saveSettings } from '../../src/services/settings.service';
import type { TestApp, Agent } from '../helpers/app';

/**
 * Issue 12, item 9: English counts take their plural also where the count is known only when the message is shown
 * (a stored row's reason, a setting), through the catalogue's `{n|one|other}` form.
 */
let t: TestApp;
let member: Agent;
let sigId: number;
let oneVarId: number;

beforeAll(async () => {
  ({ t, member, sigId } = await sendFormApp());
  oneVarId = await approvedTemplate(t.db, '您的验证码是{1}，请勿告诉他人。', 'notification', 'one var');
});
afterAll(() => t.close());

test('a row with two values for a one-variable template: "expects 1 parameter, found 2", on the check page and in its download', async () => {
  const csv = Buffer.from('13800138000,a\n13800138001,a,b\n13800138002\n', 'utf8');
  const res = await postSendForm(
    member,
    { smsType: 'notification', signatureId: String(sigId), templateId: String(oneVarId), recipientsMode: 'import', sendMode: 'now' },
    { buffer: csv, name: 'one-var.csv' },
  );
  expect(res.status).toBe(303);
  const check = (await member.get(res.headers.location)).text;
  expect(check).toContain('expects 1 parameter, found 2');
  expect(check).toContain('expects 1 parameter, found 0');
  expect(check).not.toContain('1 parameters');
  const download = (await member.get(res.headers.location.replace('/check', '/invalid-rows.csv'))).text;
  expect(download).toContain('expects 1 parameter, found 2');
});

test('a schedule horizon of one day: "1 day ahead", "within the next 1 day"; of two: "2 days"', async () => {
  await saveSettings(t.db, { scheduleHorizonDays: 1 });
  expect((await member.get('/tasks/new')).text).toContain('at most 1 day ahead.');
  const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
  const refused = await postSendForm(member, {
    smsType: 'notification', signatureId: String(sigId), templateId: String(oneVarId), recipientsMode: 'import', sendMode: 'scheduled', sendAt: inThreeDays,
  });
  expect(refused.status).toBe(422);
  expect(refused.text).toContain('Choose a time within the next 1 day.');
  await saveSettings(t.db, { scheduleHorizonDays: 2 });
  expect((await member.get('/tasks/new')).text).toContain('at most 2 days ahead.');
});

test('details kept for one day: "kept for 1 day"', async () => {
  await saveSettings(t.db, { retentionDays: 1 });
  // A finished task whose message rows the retention job removed: recipients counted, no message rows.
  const id = await insertTaskRow(t.db, { status: 'completed', createdBy: 2, recipients: 3, submitted: 3, delivered: 3 });
  const page = (await member.get(`/tasks/${id}`)).text;
  expect(page).toContain('message rows are kept for 1 day after a task finishes');
});
