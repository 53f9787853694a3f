import { makeTestApp, addUser, loginAs, tokenFor, flashText, type TestApp, type Agent } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { draftRecipients } from '../helpers/task-rows';
import { checkRecipients } from '../../src/sms/recipient-check';
import { confirmDraft, createDraft } from '../../src/services/drafts.service';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { packRecipients } from '../../src/drafts/recipient-chunks';

let t: TestApp;
let owner: Agent;
let other: Agent;
let admin: Agent;

beforeAll(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await addUser(t.db, 'mia', 'member');
  await addUser(t.db, 'max', 'member');
  [owner, other, admin] = [await loginAs(t.app, 'mia'), await loginAs(t.app, 'max'), await loginAs(t.app, 'admin')];
});
afterAll(() => t.close());

let seq = 0;

/** A sent task of mia's whose template has one variable: `rows` are [phone, param]. */
async function sentTaskWithParams(rows: [string, string][]): Promise<{ taskId: string; templateId: number }> {
  seq += 1;
  const user = (await findUserById(t.db, 2))!;
  const signature = (await findSignature(t.db, await approvedSignature(t.db, `重发${seq}`, 2)))!;
  const templateId = await approvedTemplate(t.db, '您的订单{1}已发货。', 'notification', `resend ${seq}`, 2);
  const template = (await findTemplate(t.db, templateId))!;
  const report = checkRecipients(rows.map(([phone, p], i) => ({ rowNumber: i + 1, cells: [phone, p] })), { signature: signature.name, templateContent: template.content });
  const draft = await createDraft(t.db, { user, signature, template, sendMode: 'now', sendAt: null, source: 'import', fileName: 'x.csv', report, recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai' });
  const outcome = await confirmDraft(t.db, draft, user, 'Asia/Shanghai');
  if (!outcome.ok) throw new Error(outcome.refusal.key);
  const taskId = outcome.taskId;
  await runDueTasks(t.db);
  return { taskId, templateId };
}

async function resend(agent: Agent, id: string, body: Record<string, string> = {}) {
  return agent.post(`/tasks/${id}/resend`).type('form').send({ ...body, _csrf: await tokenFor(agent, `/tasks/${id}`) });
}

const draftId = (location: string) => /^\/tasks\/(D[0-9a-f]{12})\/check$/.exec(location)![1];
const messagesOf = async (id: string) => t.db('messages').where({ task_id: id }).orderBy('id').select('phone', 'params', 'content', 'chars', 'segments', 'status');
/** A resend makes a draft: its recipients are not messages until it is confirmed. */
const recipientsOf = (id: string) => draftRecipients(t.db, id);
const draftsOf = async (source: string) => (await t.db('tasks').where({ resend_of: source, status: 'draft' }).pluck('id')) as string[];

const UNDELIV = numbersWithOutcome(4, '0001', '139');
const EXPIRED = numbersWithOutcome(2, '0003', '137');
const REJECTED = numbersWithOutcome(3, '0002', '136');
const DELIVERED = numbersWithOutcome(5, '0000', '138');

describe('resend to failed', () => {
  let source: string;

  beforeAll(async () => {
    const rows: [string, string][] = [...DELIVERED, ...UNDELIV, ...EXPIRED, ...REJECTED].map((p, i) => [p, `A${1000 + i}`]);
    ({ taskId: source } = await sentTaskWithParams(rows));
  });

  test('a draft with the same snapshot and only the failed recipients, their parameters and re-measured content', async () => {
    const res = await resend(owner, source);
    expect(res.status).toBe(303);
    const id = draftId(res.headers.location);
    const [src, draft] = await Promise.all([t.db('tasks').where({ id: source }).first(), t.db('tasks').where({ id }).first()]);
    expect(draft).toMatchObject({
      status: 'draft',
      resend_of: source,
      source: 'resend',
      created_by: 2,
      send_mode: 'now',
      recipient_count: 6,
      sms_type: src.sms_type,
      signature_id: src.signature_id,
      template_id: src.template_id,
      signature_text: src.signature_text,
      template_name: src.template_name,
      template_content: src.template_content,
    });
    const sent = await messagesOf(source);
    const again = await recipientsOf(id);
    expect(again.map((m) => m.phone)).toEqual([...UNDELIV, ...EXPIRED]);
    for (const m of again) {
      const original = sent.find((s) => s.phone === m.phone)!;
      expect([m.params, m.content, m.chars, m.segments, m.status]).toEqual([original.params, original.content, original.chars, original.segments, 'pending']);
    }
    expect(draft.total_segments).toBe(6);
    expect(draft.total_chars).toBe(again.reduce((n, m) => n + m.chars, 0));
    const check = await owner.get(res.headers.location);
    expect(check.text).toMatch(/data-count="valid">6</);
    expect(flashText(check.text)).toBe(`Draft made from the failed messages of ${source}: 6 recipients. Check it and confirm.`);
    expect(check.text).toContain(`a resend of the failed messages of task ${source}`);
  });

  test('doing it twice gives the same draft, not a second one', async () => {
    const first = await resend(owner, source);
    const second = await resend(owner, source);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await draftsOf(source)).toHaveLength(1);
    expect(flashText((await owner.get(second.headers.location)).text)).toBe(`A resend draft of ${source} already exists: here it is.`);
  });

  test('with the rejected too: its own draft, failed and rejected recipients', async () => {
    const res = await resend(owner, source, { includeRejected: '1' });
    const id = draftId(res.headers.location);
    expect((await recipientsOf(id)).map((m) => m.phone)).toEqual([...UNDELIV, ...EXPIRED, ...REJECTED]);
    expect((await resend(owner, source, { includeRejected: '1' })).headers.location).toBe(res.headers.location);
    expect(await draftsOf(source)).toHaveLength(2);
  });

  test('the source page offers it and lists the resends; the draft is private to its author and admins', async () => {
    const page = await owner.get(`/tasks/${source}`);
    expect(page.text).toContain(`action="/tasks/${source}/resend"`);
    expect(page.text).toContain('Also the 3 rejected at submit');
    const drafts = await draftsOf(source);
    for (const id of drafts) expect(page.text).toContain(`href="/tasks/${id}/check" data-resend-task`);
    expect((await other.get(`/tasks/${source}`)).text).not.toContain('data-resend-task');
  });

  test('another member may not resend (403) and nothing is created; an admin may', async () => {
    const before = await draftsOf(source);
    expect((await resend(other, source)).status).toBe(403);
    expect(await draftsOf(source)).toEqual(before);
    const res = await resend(admin, source);
    expect(res.status).toBe(303);
    // The admin may confirm mia's draft, so it is reused rather than doubled.
    expect(await draftsOf(source)).toEqual(before);
  });

  test('without a CSRF token nothing happens', async () => {
    const before = await t.db('tasks').count({ n: '*' });
    expect((await owner.post(`/tasks/${source}/resend`).type('form').send({})).status).toBe(403);
    expect(await t.db('tasks').count({ n: '*' })).toEqual(before);
  });

  test('confirmed, it is sent like any task; a later resend makes a new draft', async () => {
    const [id] = (await t.db('tasks').where({ resend_of: source, status: 'draft' }).whereRaw("form_state like '%\"failed\"%'").pluck('id')) as string[];
    const confirm = await owner.post(`/tasks/${id}/confirm`).type('form').send({ _csrf: await tokenFor(owner, `/tasks/${id}/check`) });
    expect(confirm.status).toBe(303);
    // The task id is given at confirm; the draft's handle was only its name until then.
    expect(confirm.headers.location).toMatch(/^\/tasks\/T\d{10}$/);
    const page = await owner.get(confirm.headers.location);
    expect(page.text).toContain(`<a href="/tasks/${source}">${source}</a>`);
    const next = await resend(owner, source);
    expect(draftId(next.headers.location)).not.toBe(id);
  });
});

test('a number delivered in another message of the task is never included', async () => {
  const [failedTwice, alsoDelivered] = numbersWithOutcome(2, '0001', '135');
  const { taskId } = await sentTaskWithParams([[failedTwice, 'a'], [alsoDelivered, 'b'], [alsoDelivered, 'c']]);
  // One of the two messages to that number was delivered after all (say a receipt arrived late).
  const [, second] = (await t.db('messages').where({ task_id: taskId, phone: alsoDelivered }).orderBy('id').pluck('id')) as number[];
  await t.db('messages').where({ id: second }).update({ status: 'delivered', code: 'DELIVRD' });
  const res = await resend(owner, taskId);
  const id = draftId(res.headers.location);
  expect((await recipientsOf(id)).map((m) => m.phone)).toEqual([failedTwice]);
  expect(flashText((await owner.get(res.headers.location)).text)).toContain('1 left out because their number was delivered or awaits a receipt');
});

test('refused, with the reason, for a task still running, and for one with nothing failed', async () => {
  const { taskId: waiting } = await seedTask(t.db, phones(2, '1390'), { userId: 2, sendAt: new Date(Date.now() + 3_600_000) });
  const running = await resend(owner, waiting);
  expect(running.headers.location).toBe(`/tasks/${waiting}`);
  expect(flashText((await owner.get(running.headers.location)).text)).toBe(`Task ${waiting} is still running: resend its failures once it has finished.`);
  const { taskId: allDelivered } = await seedTask(t.db, phones(2, '1391'), { userId: 2 });
  await runDueTasks(t.db);
  const nothing = await resend(owner, allDelivered, { back: 'list' });
  expect(nothing.headers.location).toBe('/tasks');
  expect(flashText((await owner.get('/tasks')).text)).toBe(`Task ${allDelivered} has no failed message to resend.`);
  expect(await t.db('tasks').whereIn('resend_of', [waiting, allDelivered]).count({ n: '*' })).toEqual([{ n: 0 }]);
  expect((await owner.get(`/tasks/${allDelivered}`)).text).not.toContain('/resend"');
});

test('when the template is no longer approved, the draft is made but its confirm is refused', async () => {
  const { taskId, templateId } = await sentTaskWithParams([[numbersWithOutcome(1, '0001', '133')[0], 'x']]);
  await t.db('templates').where({ id: templateId }).update({ status: 'disabled' });
  const res = await resend(owner, taskId);
  const id = draftId(res.headers.location);
  const confirm = await owner.post(`/tasks/${id}/confirm`).type('form').send({ _csrf: await tokenFor(owner, res.headers.location) });
  expect(confirm.status).toBe(422);
  expect(confirm.text).toContain('is no longer approved');
  expect((await t.db('tasks').where({ id }).first()).status).toBe('draft');
});

test('messages that ended unknown (SMPP: written, never answered) are resent only when the box is ticked', async () => {
  const failing = numbersWithOutcome(3, '0001', '132');
  const { taskId } = await sentTaskWithParams(failing.map((p, i) => [p, `U${i}`]));
  // Two of them ended unknown instead (what the SMPP connector records when the line drops before the answer).
  const unknown = failing.slice(0, 2);
  await t.db('messages').where({ task_id: taskId }).whereIn('phone', unknown).update({ status: 'unknown', code: 'SUBMIT_UNKNOWN' });
  await t.db('tasks').where({ id: taskId }).update({ failed_count: 1, unknown_count: 2 });
  const page = await owner.get(`/tasks/${taskId}`);
  expect(page.text).toContain('name="includeUnknown"');
  expect(page.text).toContain('Also the 2 unknown');
  const without = await resend(owner, taskId);
  expect((await recipientsOf(draftId(without.headers.location))).map((m) => m.phone)).toEqual([failing[2]]);
  const withUnknown = await resend(owner, taskId, { includeUnknown: '1' });
  expect((await recipientsOf(draftId(withUnknown.headers.location))).map((m) => m.phone)).toEqual(failing);
});
