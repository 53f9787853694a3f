/**
 * Races that SQLite's single writer hid and PostgreSQL's concurrent transactions showed (issue 13). Each runs the
 * contending calls at once through the pool, as requests on one instance or on several would.
 */
import { makeTestApp, addUser, type TestApp } from '../helpers/app';
import { seedTask, phones } from '../helpers/tasks';
import { numbersWithOutcome, runDueTasks } from '../helpers/outcomes';
import { setUserDisabled, setUserRole } from '../../src/services/users.service';
import { resendFailed } from '../../src/services/resend.service';
import { findUserById } from '../../src/queries/users.queries';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

/** Settles every call and gives back the outcomes, so one failure does not hide what the others did. */
const all = <T>(calls: Promise<T>[]) => Promise.allSettled(calls);

test('5 tasks made at once get 5 different task ids, in sequence', async () => {
  // Drafted and confirmed through the services, as the form does (seedTask), all five at once.
  const outcomes = await all(Array.from({ length: 5 }, (_, i) => seedTask(t.db, phones(3, `139${i}`))));
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  const ids = ((await t.db('tasks').whereNot({ status: 'draft' }).pluck('id')) as string[]).sort();
  expect(ids).toHaveLength(5);
  expect(ids.map((id) => Number(id.slice(-4)))).toEqual([1, 2, 3, 4, 5]);
});

/** Sessions of this database waiting for a lock. */
async function waitingForLocks(): Promise<number> {
  const { rows } = (await t.db.raw("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")) as { rows: { n: number }[] };
  return rows[0].n;
}

/**
 * Runs `calls` while another transaction holds the admin rows, and lets it go once both calls wait for a lock:
 * they are then sure to overlap, whatever the machine's speed (unlocked, each would have counted two admins).
 */
async function overlapping<T>(calls: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  const holder = await t.db.transaction();
  await holder('users').where({ role: 'admin' }).update({ updated_at: holder.raw('updated_at') });
  const outcomes = all(calls());
  while ((await waitingForLocks()) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  await holder.commit();
  return outcomes;
}

test('two admins demoted at once, or disabled at once: one admin is left', async () => {
  const second = await addUser(t.db, 'second', 'admin');
  const demotions = await overlapping(() => [setUserRole(t.db, 1, 'member'), setUserRole(t.db, second, 'member')]);
  expect(demotions.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  expect(await t.db('users').where({ role: 'admin' }).whereNull('disabled_at').count({ n: '*' })).toEqual([{ n: 1 }]);

  const third = await addUser(t.db, 'third', 'admin');
  const [admin] = (await t.db('users').where({ role: 'admin' }).whereNot({ id: third }).pluck('id')) as number[];
  const disables = await overlapping(() => [setUserDisabled(t.db, admin, true), setUserDisabled(t.db, third, true)]);
  expect(disables.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  expect(await t.db('users').where({ role: 'admin' }).whereNull('disabled_at').count({ n: '*' })).toEqual([{ n: 1 }]);
});

test('two resends of one task at once make one draft', async () => {
  const { taskId } = await seedTask(t.db, [...numbersWithOutcome(4, '0001'), ...numbersWithOutcome(2, '0000')]);
  await runDueTasks(t.db);
  const user = (await findUserById(t.db, 1))!;
  const outcomes = await all([1, 2, 3].map(() => resendFailed(t.db, taskId, user, { includeRejected: false }, 'Asia/Shanghai')));
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  const drafts = (await t.db('tasks').where({ resend_of: taskId }).pluck('id')) as string[];
  expect(drafts).toHaveLength(1);
  expect(outcomes.map((o) => (o as PromiseFulfilledResult<{ ok: true; draftId: string }>).value.draftId)).toEqual([drafts[0], drafts[0], drafts[0]]);
});

test('message, receipt and ledger ids go past 32 bits', async () => {
  const past32Bits = 2 ** 32 + 10;
  for (const sequence of ['messages_id_seq', 'receipts_id_seq', 'stub_carrier_ledger_id_seq']) await t.db.raw('select setval(?, ?)', [sequence, past32Bits]);
  const { taskId } = await seedTask(t.db, numbersWithOutcome(3, '0000'));
  await runDueTasks(t.db);
  const messages = (await t.db('messages').where({ task_id: taskId }).orderBy('id').select('id', 'status')) as { id: number; status: string }[];
  expect(messages.map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
  expect(messages.every((m) => m.id > past32Bits)).toBe(true);
  const receipts = (await t.db('receipts').orderBy('id').select('id', 'message_id')) as { id: number; message_id: number }[];
  expect(receipts.map((r) => r.message_id)).toEqual(messages.map((m) => m.id));
  expect(receipts.every((r) => r.id > past32Bits)).toBe(true);
  expect(((await t.db('stub_carrier_ledger').pluck('id')) as number[]).every((id) => id > past32Bits)).toBe(true);
});
