import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { Dispatcher, backoffMs } from './dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS, type StubCarrierSettings } from '../carrier/stub.carrier';
import { defaultSettings, type Settings } from './settings.service';
import { createLogger } from '../log';
import { numbersWithOutcome } from '../../test/helpers/outcomes';
import { taskCounts } from '../tasks/task-counts';
import { findTask } from '../queries/tasks.queries';
import { MESSAGE_STATUSES } from '../queries/messages.queries';

let t: TestApp;
let stub: StubCarrierSettings;
let settings: Settings;
const logger = createLogger('silent');

function dispatcher(overrides: Partial<ConstructorParameters<typeof Dispatcher>[4]> = {}, random?: () => number) {
  const carrier = new StubCarrier(t.db, async () => stub, random);
  return new Dispatcher(t.db, carrier, async () => settings, logger, { leaseMs: 30_000, ...overrides });
}

const statusCounts = async (taskId: string) =>
  Object.fromEntries(((await t.db('messages').where({ task_id: taskId }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)]));

beforeEach(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };
  settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 50, maxAttempts: 3 };
});
afterEach(() => t.close());

test('a due task is sent in batches, completed, and its receipts applied with the deterministic outcomes', async () => {
  const numbers = [...phones(120), '13800000000', '13800000001', '13800000002', '13800000003', '13800000004', '13800000005', '13800000006'];
  const { taskId } = await seedTask(t.db, numbers);
  const d = dispatcher();
  await d.tick();
  const task = await t.db('tasks').where({ id: taskId }).first();
  expect(task.status).toBe('completed');
  expect(task.completed_at).toBeTruthy();
  expect(await statusCounts(taskId)).toEqual({ submitted: 125, rejected: 2 });
  await d.pullReceipts();
  expect(await statusCounts(taskId)).toEqual({ delivered: 121, failed: 4, rejected: 2 });
  const byPhone = Object.fromEntries((await t.db('messages').where({ task_id: taskId }).select('phone', 'code')).map((m: { phone: string; code: string }) => [m.phone, m.code]));
  expect(byPhone['13800000001']).toBe('UNDELIV');
  expect(byPhone['13800000002']).toBe('REJECTD');
  expect(byPhone['13800000006']).toBe('MK:0001');
  expect(Number((await t.db('receipts').where({ task_id: taskId }).count({ n: '*' }))[0].n)).toBe(127);
  expect(await t.db('tasks').where({ id: taskId }).first('submitted_count', 'delivered_count', 'failed_count', 'rejected_count', 'cancelled_count')).toEqual({
    submitted_count: 125, delivered_count: 121, failed_count: 4, rejected_count: 2, cancelled_count: 0,
  });
  expect(Number((await t.db('stub_carrier_ledger').count({ n: '*' }))[0].n)).toBe(125);
});

test('a task scheduled in the future is not claimed before its time', async () => {
  const { taskId } = await seedTask(t.db, phones(3), { sendAt: new Date(Date.now() + 3_600_000) });
  await dispatcher().tick();
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('scheduled');
  await dispatcher({ now: () => new Date(Date.now() + 3_601_000) }).tick();
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
});

test('temporary carrier errors are retried with back-off; after the last attempt the message fails with the error as remark', async () => {
  stub.errorRate = 1;
  const { taskId } = await seedTask(t.db, phones(5));
  let clock = Date.now();
  const d = dispatcher({ now: () => new Date(clock) });
  const run = d.tick();
  // The dispatcher waits for the back-off; move the clock past each one.
  const timer = setInterval(() => (clock += 5_000), 5);
  await run;
  clearInterval(timer);
  expect(await statusCounts(taskId)).toEqual({ failed: 5 });
  const m = await t.db('messages').where({ task_id: taskId }).first();
  expect(m.attempts).toBe(3);
  expect(m.code).toBe('RETRY_EXHAUSTED');
  expect(m.description).toContain('MI:0503');
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  expect(backoffMs(1)).toBe(1000);
  expect(backoffMs(10)).toBe(60_000);
});

test('a timeout after acceptance is resubmitted under the same ids and the carrier keeps one copy of each', async () => {
  let calls = 0;
  stub.timeoutRate = 0.5;
  const { taskId } = await seedTask(t.db, phones(200));
  let clock = Date.now();
  // Each call draws twice (error, then timeout): the first two calls time out after the carrier took the batch.
  const draws = [0.9, 0.1, 0.9, 0.1];
  const d = dispatcher({ now: () => new Date(clock) }, () => draws[calls++] ?? 0.9);
  const timer = setInterval(() => (clock += 5_000), 5);
  await d.tick();
  clearInterval(timer);
  expect(await statusCounts(taskId)).toEqual({ submitted: 200 });
  const ledger = await t.db('stub_carrier_ledger').select('idempotency_key', 'submissions');
  expect(ledger).toHaveLength(200);
  expect(new Set(ledger.map((l: { idempotency_key: string }) => l.idempotency_key)).size).toBe(200);
  expect(ledger.some((l: { submissions: number }) => l.submissions > 1)).toBe(true);
  await d.pullReceipts();
  expect(await statusCounts(taskId)).toEqual({ delivered: 200 });
});

test('two dispatchers on the same database never send a message twice', async () => {
  const seeded = await Promise.all([seedTask(t.db, phones(300, '1391')), seedTask(t.db, phones(300, '1392'))]);
  const a = dispatcher();
  const b = dispatcher();
  await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
  for (const { taskId } of seeded) expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  const ledger = await t.db('stub_carrier_ledger').select('submissions');
  expect(ledger).toHaveLength(600);
  expect(ledger.every((l: { submissions: number }) => l.submissions === 1)).toBe(true);
  for (const { taskId } of seeded) expect((await t.db('tasks').where({ id: taskId }).first()).submitted_count).toBe(300);
});

test('a task whose lease expired (its process died) is taken over and its in-flight messages resubmitted', async () => {
  const { taskId } = await seedTask(t.db, phones(10));
  // Simulate a process that marked a batch `submitting` and died before recording the answers.
  await t.db('tasks').where({ id: taskId }).update({ status: 'sending', lease_owner: 'dead:1', lease_until: new Date(Date.now() - 1000).toISOString() });
  await t.db('messages').where({ task_id: taskId }).limit(5).update({ status: 'submitting', attempts: 1 });
  await dispatcher().tick();
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  expect(await statusCounts(taskId)).toEqual({ submitted: 10 });
});

test('a receipt that arrives before the acceptance is recorded is kept and applied afterwards', async () => {
  stub.timeoutRate = 1;
  const { taskId } = await seedTask(t.db, phones(3));
  let clock = Date.now();
  const d = dispatcher({ now: () => new Date(clock) });
  const first = d.tick();
  await new Promise((r) => setTimeout(r, 50));
  // The carrier has the messages (answer lost); its receipts come in before the resubmission.
  await d.pullReceipts();
  expect(Number((await t.db('orphan_receipts').count({ n: '*' }))[0].n)).toBe(3);
  stub.timeoutRate = 0;
  const timer = setInterval(() => (clock += 5_000), 5);
  await first;
  clearInterval(timer);
  expect(await statusCounts(taskId)).toEqual({ delivered: 3 });
  expect(Number((await t.db('orphan_receipts').count({ n: '*' }))[0].n)).toBe(0);
});

test('a long task is handed back when another comes due: the other is sent first, then it resumes; each message once', async () => {
  const big = await seedTask(t.db, phones(600));
  // Due a moment after the big one: by send_at the big task would be claimed first and sent to the end.
  const small = await seedTask(t.db, phones(5, '1370'), { sendAt: new Date(Date.now() + 50) });
  await new Promise((r) => setTimeout(r, 60));
  const order: string[] = [];
  const d = new Dispatcher(t.db, new StubCarrier(t.db, async () => stub), async () => settings, {
    ...logger,
    info: (msg: string, fields?: Record<string, unknown>) => order.push(`${msg} ${fields?.task}`),
  }, { leaseMs: 30_000, sliceMs: 0 });
  await d.tick();
  const done = (id: string) => order.indexOf(`dispatch completed ${id}`);
  expect(order[0]).toBe(`dispatch started ${big.taskId}`);
  expect(order).toContain(`dispatch paused for another due task ${big.taskId}`);
  expect(done(small.taskId)).toBeGreaterThan(-1);
  // The small task gets its turn before the big one ends. Not necessarily its end: with a zero time slice it hands
  // back in turn after any batch that leaves a message waiting (a retry on a loaded machine), and then the big one,
  // older, may finish first.
  expect(order.indexOf(`dispatch started ${small.taskId}`)).toBeLessThan(done(big.taskId));
  for (const { taskId } of [big, small]) expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  expect(await statusCounts(big.taskId)).toEqual({ submitted: 600 });
  expect(Number((await t.db('stub_carrier_ledger').count({ n: '*' }))[0].n)).toBe(605);
});

test('the task’s counters give the same counts as its messages: retries run out, rejected at submit, stopped mid-send, receipts', async () => {
  const numbers = [...phones(50, '1390'), ...numbersWithOutcome(3, '0002'), ...numbersWithOutcome(3, '0001'), ...phones(60, '1391')];
  const { taskId } = await seedTask(t.db, numbers);
  settings = { ...settings, dispatchBatchSize: 50, maxAttempts: 1 };
  stub.errorRate = 0.5;
  // The first call fails (its 50 messages fail for good, never accepted); the second is accepted, then we stop.
  const draws = [0.1, 0.9, 0.9];
  let draw = 0;
  const inner = new StubCarrier(t.db, async () => stub, () => draws[draw++] ?? 0.9);
  let accepted = 0;
  const d: Dispatcher = new Dispatcher(
    t.db,
    {
      name: 'stub',
      submitBatch: async (batch) => {
        const answers = await inner.submitBatch(batch);
        if (++accepted === 1) void d.stop();
        return answers;
      },
      pullReceipts: (limit) => inner.pullReceipts(limit),
      ackReceipts: (ids) => inner.ackReceipts(ids),
    },
    async () => settings,
    logger,
    { leaseMs: 30_000 },
  );
  const fromCounters = async () => taskCounts((await findTask(t.db, taskId))!).byStatus;
  const fromMessages = async () => ({ ...Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])), ...(await statusCounts(taskId)) });

  await d.tick();
  expect(await fromMessages()).toEqual({ pending: 16, submitting: 0, submitted: 47, delivered: 0, failed: 50, rejected: 3, cancelled: 0, suppressed: 0, capped: 0, unknown: 0 });
  expect(await fromCounters()).toEqual(await fromMessages());
  await d.pullReceipts();
  expect(await fromMessages()).toEqual({ pending: 16, submitting: 0, submitted: 0, delivered: 44, failed: 53, rejected: 3, cancelled: 0, suppressed: 0, capped: 0, unknown: 0 });
  expect(await fromCounters()).toEqual(await fromMessages());
});

test('a transactional task’s SMS type is read once a send, not before each batch (its send rules need no per-batch read)', async () => {
  // In memory: every statement runs on the one connection, whose queries the listener sees (a file database sends
  // reads to its read connection).
  await t.close();
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  const { taskId } = await seedTask(t.db, phones(120));
  const smsTypeReads: string[] = [];
  const listen = (q: { sql: string }) => {
    if (/\bsms_type\b/.test(q.sql) && /\bfrom [`"]?tasks[`"]?/.test(q.sql)) smsTypeReads.push(q.sql);
  };
  t.db.on('query', listen);
  try {
    await dispatcher().tick();
  } finally {
    t.db.off('query', listen);
  }
  expect((await t.db('tasks').where({ id: taskId }).first()).status).toBe('completed');
  // Three batches of 50: one read for the whole send (two a batch before).
  expect(smsTypeReads).toHaveLength(1);
});
