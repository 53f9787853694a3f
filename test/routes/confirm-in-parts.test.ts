/**
 * Issue 15: a draft larger than one part (more than 100,000 recipients) is confirmed in parts in the background; its page says
 * "confirming" and reloads itself until the task is scheduled, and a second confirm changes nothing.
 */
import { addUser, loginAs, makeTestApp, postForm, type Agent, type TestApp } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { phones } from '../helpers/tasks';
import { createDraft, confirmDraft } from '../../src/services/drafts.service';
import { startConfirmMove } from '../../src/services/confirm-move.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';

let t: TestApp;
let member: Agent;
let memberId: number;
let signatureId: number;
let templateId: number;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  memberId = await addUser(t.db, 'member');
  member = await loginAs(t.app, 'member');
  signatureId = await approvedSignature(t.db, '分批');
  templateId = await approvedTemplate(t.db, '您好，这是分批确认。');
});
afterAll(() => t.close());

let prefix = 10;

async function draftOf(n: number): Promise<string> {
  const signature = (await findSignature(t.db, signatureId))!;
  const template = (await findTemplate(t.db, templateId))!;
  prefix += 1;
  const report = checkRecipients(phones(n, `13${prefix}`).map((p, i) => ({ rowNumber: i + 1, cells: [p] })), { signature: signature.name, templateContent: template.content });
  return createDraft(t.db, {
    user: (await findUserById(t.db, memberId))!, signature, template, sendMode: 'now', sendAt: null, source: 'import', fileName: 'big.csv',
    report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
}

const countOf = async (taskId: string) => Number(((await t.db('messages').where({ task_id: taskId }).count({ n: '*' })) as { n: number }[])[0].n);

test('the confirm of 105,000 recipients answers at once with the task page, and the move ends with every recipient once', async () => {
  const draft = await draftOf(105_000);
  const res = await postForm(member, `/tasks/${draft}/confirm`, {}, `/tasks/${draft}/check`);
  expect(res.status).toBe(303);
  const taskId = /^\/tasks\/(T\d+)$/.exec(res.headers.location)![1];
  // Joins the move the confirm started (or finds it over).
  await startConfirmMove(t.db, taskId);
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('scheduled');
  expect(await countOf(taskId)).toBe(105_000);
  const page = await member.get(`/tasks/${taskId}`);
  expect(page.status).toBe(200);
  expect(page.headers.refresh).toBeUndefined();
  expect(page.text).not.toContain('data-confirming');
});

test('a task still confirming shows its progress and reloads; it is listed as confirming; a second confirm moves nothing twice', async () => {
  const draft = await draftOf(23_000);
  const user = (await findUserById(t.db, memberId))!;
  // Begun, its move stopped before its first part (as after a crash).
  const begun = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 0 });
  const taskId = (begun as { taskId: string }).taskId;
  await startConfirmMove(t.db, taskId);

  const page = await member.get(`/tasks/${taskId}`);
  expect(page.status).toBe(200);
  expect(page.headers.refresh).toBe('2');
  expect(page.text).toContain(`data-confirming="${taskId}"`);
  expect(page.text).toContain('0 of 23,000 recipients moved');
  expect(page.text).toContain('Confirming…');
  expect((await member.get('/tasks')).text).toContain('Confirming…');
  // Its old draft link leads to it too.
  expect((await member.get(`/tasks/${draft}`)).headers.location).toBe(`/tasks/${taskId}`);

  const again = await postForm(member, `/tasks/${draft}/confirm`, {}, `/tasks/${taskId}`);
  expect([again.status, again.headers.location]).toEqual([303, `/tasks/${taskId}`]);
  await startConfirmMove(t.db, taskId);
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('scheduled');
  expect(await countOf(taskId)).toBe(23_000);
  expect(Number(((await t.db('audit_records').where({ action: 'task.confirmed', object_id: taskId }).count({ n: '*' })) as { n: number }[])[0].n)).toBe(1);
});
