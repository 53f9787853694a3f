import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { phones } from '../../test/helpers/tasks';
import { approvedSignature, approvedTemplate } from '../../test/helpers/catalogue';
import { checkRecipients } from '../sms/recipient-check';
import { packRecipients } from '../drafts/recipient-chunks';
import { findSignature, findTemplate } from '../queries/catalogue.queries';
import { findUserById, type User } from '../queries/users.queries';
import { findTask } from '../queries/tasks.queries';
import { claimDueTask } from '../queries/dispatch-claims.queries';
import { confirmDraft, createDraft } from './drafts.service';
import { moveConfirmingTask, resumeStoppedConfirms, startConfirmMove } from './confirm-move.service';

let t: TestApp;
let user: User;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'member', 'member');
  user = (await findUserById(t.db, 1))!;
});
afterEach(() => t.close());

let drafts = 0;

/** A draft to send now with `n` recipients (5,000 a chunk). */
async function draftOf(n: number): Promise<string> {
  drafts += 1;
  const signature = (await findSignature(t.db, await approvedSignature(t.db, `签名${drafts}`, 1)))!;
  const template = (await findTemplate(t.db, await approvedTemplate(t.db, '您的快递已到，请及时取件。', 'notification', `t${drafts}`, 1)))!;
  const report = checkRecipients(
    phones(n, `13${drafts}0`).map((p, i) => ({ rowNumber: i + 2, cells: [p] })),
    { signature: signature.name, templateContent: template.content },
  );
  return createDraft(t.db, {
    user, signature, template, sendMode: 'now', sendAt: null, source: 'import', fileName: 'a.csv', report,
    recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
}

/** The task's messages: how many, how many distinct rows, and whether they are in file order. */
async function messagesOf(taskId: string) {
  const rows = (await t.db('messages').where({ task_id: taskId }).orderBy('id').select('row_number')) as { row_number: number }[];
  const numbers = rows.map((r) => r.row_number);
  return { count: numbers.length, distinct: new Set(numbers).size, inOrder: numbers.every((n, i) => i === 0 || n > numbers[i - 1]) };
}

const confirmedAudits = async (taskId: string) =>
  Number(((await t.db('audit_records').where({ action: 'task.confirmed', object_id: taskId }).count({ n: '*' })) as { n: number }[])[0].n);

const due = () => claimDueTask(t.db, 'test', new Date(Date.now() + 60_000).toISOString(), 120_000);

test('a draft larger than a part is confirmed in parts: every recipient once, in file order, then scheduled', async () => {
  const draft = await draftOf(23_000);
  const outcome = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2 });
  expect(outcome).toMatchObject({ ok: true, confirming: true });
  const taskId = (outcome as { taskId: string }).taskId;
  expect(await startConfirmMove(t.db, taskId)).toBe('scheduled');
  const task = (await findTask(t.db, taskId))!;
  expect(task).toMatchObject({ status: 'scheduled', confirmMoved: 23_000 });
  expect(task.confirmedAt).not.toBeNull();
  expect(await messagesOf(taskId)).toEqual({ count: 23_000, distinct: 23_000, inOrder: true });
  expect(await t.db('draft_recipients').where({ task_id: taskId }).count({ n: '*' })).toEqual([{ n: 0 }]);
  expect(await confirmedAudits(taskId)).toBe(1);
});

test('a draft of one part is confirmed in the confirming transaction, as before', async () => {
  const draft = await draftOf(9_000);
  const outcome = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2 });
  expect(outcome).toMatchObject({ ok: true, confirming: false });
  const taskId = (outcome as { taskId: string }).taskId;
  expect((await findTask(t.db, taskId))!.status).toBe('scheduled');
  expect((await messagesOf(taskId)).count).toBe(9_000);
});

test('a crash between two parts: the task stays invisible to the dispatcher and unconfirmable twice, then resumes to exactly once', async () => {
  const draft = await draftOf(23_000);
  // maxParts stops the background move after one part, as a crash between two parts would.
  const outcome = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 1 });
  const taskId = (outcome as { taskId: string }).taskId;
  expect(await startConfirmMove(t.db, taskId)).toBe('stopped');
  expect((await findTask(t.db, taskId))!).toMatchObject({ status: 'confirming', confirmMoved: 10_000 });
  expect((await messagesOf(taskId)).count).toBe(10_000);
  expect(await due()).toBeUndefined();

  // A second confirm (another tab) answers the same task and moves nothing itself.
  const again = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 0 });
  expect(again).toEqual({ ok: true, taskId, confirming: true });
  expect(await startConfirmMove(t.db, taskId)).toBe('stopped');
  expect((await messagesOf(taskId)).count).toBe(10_000);

  // Not stale yet: left alone (another instance could be moving it).
  expect(await resumeStoppedConfirms(t.db, { partChunks: 2 })).toEqual([]);
  let woken = 0;
  expect(await resumeStoppedConfirms(t.db, { partChunks: 2, staleMs: 0, onScheduled: () => (woken += 1) })).toEqual([taskId]);
  expect(woken).toBe(1);
  expect((await findTask(t.db, taskId))!).toMatchObject({ status: 'scheduled', confirmMoved: 23_000 });
  expect(await messagesOf(taskId)).toEqual({ count: 23_000, distinct: 23_000, inOrder: true });
  expect(await confirmedAudits(taskId)).toBe(1);
  expect((await due())?.id).toBe(taskId);
});

test('a crash inside a part rolls that part back whole; the resumed move ends with every recipient once', async () => {
  const draft = await draftOf(23_000);
  const begun = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 0 });
  const taskId = (begun as { taskId: string }).taskId;
  await startConfirmMove(t.db, taskId);
  const crash = moveConfirmingTask(t.db, taskId, {
    partChunks: 2,
    afterPartMoved: (part) => {
      if (part === 1) throw new Error('killed mid-part');
    },
  });
  await expect(crash).rejects.toThrow('killed mid-part');
  expect((await findTask(t.db, taskId))!).toMatchObject({ status: 'confirming', confirmMoved: 10_000 });
  expect((await messagesOf(taskId)).count).toBe(10_000);
  expect(await moveConfirmingTask(t.db, taskId, { partChunks: 2 })).toBe('scheduled');
  expect(await messagesOf(taskId)).toEqual({ count: 23_000, distinct: 23_000, inOrder: true });
  // A move of a task no longer confirming does nothing.
  expect(await moveConfirmingTask(t.db, taskId, { partChunks: 2 })).toBe('not-confirming');
  expect((await messagesOf(taskId)).count).toBe(23_000);
});

test('other writers get the database between two parts: a small confirm ends before the large one moves its next part', async () => {
  const large = await draftOf(23_000);
  const small = await draftOf(10);
  const events: string[] = [];
  let smallConfirm: Promise<unknown> | undefined;
  const begun = await confirmDraft(t.db, large, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 0 });
  const taskId = (begun as { taskId: string }).taskId;
  await startConfirmMove(t.db, taskId);
  const move = moveConfirmingTask(t.db, taskId, {
    partChunks: 2,
    afterPartMoved: (part) => {
      events.push(`part ${part}`);
      // Asked for while part 0 holds the write connection: it waits, then goes before part 1.
      if (part === 0) smallConfirm = confirmDraft(t.db, small, user, 'Asia/Shanghai').then(() => events.push('small confirmed'));
    },
  });
  expect(await move).toBe('scheduled');
  await smallConfirm;
  expect(events.slice(0, 3)).toEqual(['part 0', 'small confirmed', 'part 1']);
});

describe('on a database file, the parts run in a thread of their own', () => {
  beforeEach(async () => {
    await t.close();
    t = await makeTestApp({ file: true });
    await addUser(t.db, 'member', 'member');
    user = (await findUserById(t.db, 1))!;
  });

  test('every recipient once, in file order; a stop between parts resumes to exactly once', async () => {
    const draft = await draftOf(23_000);
    const begun = await confirmDraft(t.db, draft, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 2, maxParts: 2 });
    const taskId = (begun as { taskId: string }).taskId;
    expect(await startConfirmMove(t.db, taskId)).toBe('stopped');
    expect((await findTask(t.db, taskId))!).toMatchObject({ status: 'confirming', confirmMoved: 20_000 });
    expect(await due()).toBeUndefined();
    expect(await resumeStoppedConfirms(t.db, { partChunks: 2, staleMs: 0 })).toEqual([taskId]);
    expect((await findTask(t.db, taskId))!).toMatchObject({ status: 'scheduled', confirmMoved: 23_000 });
    expect(await messagesOf(taskId)).toEqual({ count: 23_000, distinct: 23_000, inOrder: true });
    expect(await t.db('draft_recipients').where({ task_id: taskId }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await confirmedAudits(taskId)).toBe(1);
  });

  test("this process's other writers go between two parts: a small confirm ends while the large one is still confirming", async () => {
    const large = await draftOf(100_000);
    const small = await draftOf(10);
    const begun = await confirmDraft(t.db, large, user, 'Asia/Shanghai', new Date(), undefined, { partChunks: 1 });
    const taskId = (begun as { taskId: string }).taskId;
    // Once the first part has committed, the next ones are still to come (20 parts in all).
    while ((await findTask(t.db, taskId))!.confirmMoved === 0) await new Promise((r) => setTimeout(r, 2));
    const smallOutcome = await confirmDraft(t.db, small, user, 'Asia/Shanghai');
    expect(smallOutcome).toMatchObject({ ok: true, confirming: false });
    expect((await findTask(t.db, taskId))!.status).toBe('confirming');
    expect(await startConfirmMove(t.db, taskId)).toBe('scheduled');
    expect(await messagesOf(taskId)).toEqual({ count: 100_000, distinct: 100_000, inOrder: true });
  });
});
