/**
 * Fault tests of the dispatcher (issue 4, "Shutdown and faults"). Tests 1–4 run REAL app processes
 * (`node src/server.ts`) on a database file prepared here, kill or stop them, and then check the books: every
 * message final, the stub carrier's ledger holding each message id exactly once, one receipt per message, the task
 * completed, its counters and the counts on the task page and in the API equal to the messages table. Tests 5–8
 * drive a Dispatcher in this process: the database locked by another connection, a carrier adapter that keeps
 * throwing, a crash between two writes, the clock crossing DST changes, a Stop while a batch is at the carrier.
 */
import { Worker } from 'node:worker_threads';
import type { Db } from '../../src/db/knex';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier } from '../../src/carrier/stub.carrier';
import { CarrierTemporaryError, type Carrier } from '../../src/carrier/carrier';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { createLogger } from '../../src/log';
import { takeBatch, claimDueTask } from '../../src/queries/dispatch-claims.queries';
import { recordBatchResults } from '../../src/queries/message-transitions.queries';
import { createApiKey } from '../../src/services/api-keys.service';
import { stopSendingTask } from '../../src/queries/tasks.queries';
import { parseLocalDateTime } from '../../src/time/zoned-time';
import { phones, seedTask } from '../helpers/tasks';
import { PASSWORD } from '../helpers/app';
import { onPostgres } from '../helpers/test-db';
import {
  cleanUpAfterTest,
  errorLines,
  killAllProcesses,
  loginOverHttp,
  taskPageCounts,
  messageCounts,
  prepareDataDir,
  removeTempDirs,
  sleep,
  startServer,
  waitUntil,
  type AppProcess,
  type PreparedData,
} from '../helpers/app-process';

jest.setTimeout(120_000);

let data: PreparedData | undefined;

afterEach(async () => {
  await cleanUpAfterTest(data);
  data = undefined;
});

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

const count = async (q: PromiseLike<unknown>) => Number(((await q) as { n: number }[])[0].n);

async function taskRow(db: Db, taskId: string) {
  return db('tasks').where({ id: taskId }).first();
}

/** Waits until the tasks are completed and every receipt has come in (nothing left pending/submitting/submitted). */
async function waitForTheEnd(db: Db, taskIds: string[], timeoutMs = 90_000): Promise<void> {
  await waitUntil(
    'the tasks to complete and all receipts to arrive',
    async () => {
      for (const id of taskIds) {
        if ((await taskRow(db, id)).status !== 'completed') return false;
        const c = await messageCounts(db, id);
        if (c.pending || c.submitting || c.submitted) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/**
 * The books after a fault: each message final, the stub ledger holds exactly the task's message ids once each (and
 * the carrier id we recorded is the one the carrier kept), one receipt per message, no receipt left waiting as an
 * orphan, the task completed.
 */
async function expectExactlyOnce(db: Db, taskIds: string[], expectedMessages: number, finalStatuses: string[] = ['delivered']): Promise<void> {
  const messages = db('messages').whereIn('task_id', taskIds);
  expect(await count(messages.clone().count({ n: '*' }))).toBe(expectedMessages);
  const byStatus = (await messages.clone().groupBy('status').select('status').count({ n: '*' })) as { status: string; n: number }[];
  for (const { status } of byStatus) expect(finalStatuses).toContain(status);

  // The stub's ledger: one row per message, keyed by our message id, with the carrier id we recorded.
  expect(await count(db('stub_carrier_ledger').count({ n: '*' }))).toBe(expectedMessages);
  expect(await count(db('stub_carrier_ledger').countDistinct({ n: 'idempotency_key' }))).toBe(expectedMessages);
  // Each ledger row looks its message up by primary key (EXISTS): as a join, SQLite may choose to scan the ledger
  // once per message (20,000 × 20,000 rows, 14 s), and the test process, blocked meanwhile, then reuses a keep-alive
  // socket the server has closed ("fetch failed: other side closed").
  const ledgerMatches = (sameCarrierId: boolean) =>
    db('stub_carrier_ledger as l')
      .whereExists(function () {
        void this.from('messages as m').whereRaw('m.id = cast(l.idempotency_key as integer)').whereIn('m.task_id', taskIds).select(db.raw('1'));
        if (sameCarrierId) void this.whereRaw('m.carrier_message_id = l.carrier_message_id');
      })
      .count({ n: '*' });
  const matched = await count(ledgerMatches(false));
  expect(matched).toBe(expectedMessages);
  const accepted = await count(messages.clone().whereNot('status', 'rejected').whereNot('code', 'RETRY_EXHAUSTED').count({ n: '*' }));
  const sameCarrierId = await count(ledgerMatches(true));
  expect(sameCarrierId).toBe(accepted);

  // No message reached a final state twice: one receipt row per message.
  expect(await count(db('receipts').whereIn('task_id', taskIds).count({ n: '*' }))).toBe(expectedMessages);
  expect(await count(db('receipts').whereIn('task_id', taskIds).countDistinct({ n: 'message_id' }))).toBe(expectedMessages);
  expect(await count(db('orphan_receipts').count({ n: '*' }))).toBe(0);

  for (const id of taskIds) {
    const task = await taskRow(db, id);
    expect(task.status).toBe('completed');
    expect(task.completed_at).toBeTruthy();
    await expectCountersMatch(db, id);
  }
}

const STATUSES = ['pending', 'submitting', 'submitted', 'delivered', 'failed', 'rejected', 'cancelled'];

/**
 * "Counts on the task page match the database": the task page (/tasks/:id, drawn from the task's counters, which
 * are kept in the same transactions as the messages) and `GET /api/v1/tasks/:id` show, for each status, what the
 * messages table holds; the counters themselves are checked too (submitted_count = messages the carrier took).
 */
async function expectCountsMatch(proc: AppProcess, db: Db, taskIds: string[]): Promise<void> {
  const cookie = await loginOverHttp(proc, 'admin', PASSWORD);
  const { key } = await createApiKey(db, { name: `fault-${Date.now()}`, createdBy: 1 });
  for (const taskId of taskIds) {
    const inDb = await messageCounts(db, taskId);
    const expected = Object.fromEntries(STATUSES.map((s) => [s, inDb[s] ?? 0]));
    const page = await taskPageCounts(proc, cookie, taskId);
    expect(Object.fromEntries(STATUSES.map((s) => [s, page[s]]))).toEqual(expected);
    const res = await fetch(`${proc.url}/api/v1/tasks/${taskId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { task: { counts: Record<string, number> } };
    expect(Object.fromEntries(STATUSES.map((s) => [s, body.task.counts[s]]))).toEqual(expected);
    await expectCountersMatch(db, taskId);
  }
}

/** The task's counters (kept with every message state change) equal the messages table. */
async function expectCountersMatch(db: Db, taskId: string): Promise<void> {
  const task = await taskRow(db, taskId);
  const inDb = await messageCounts(db, taskId);
  const accepted = await count(db('messages').where({ task_id: taskId }).whereNotNull('carrier_message_id').count({ n: '*' }));
  expect({
    submitted: task.submitted_count,
    delivered: task.delivered_count,
    failed: task.failed_count,
    rejected: task.rejected_count,
    cancelled: task.cancelled_count,
  }).toEqual({ submitted: accepted, delivered: inDb.delivered ?? 0, failed: inDb.failed ?? 0, rejected: inDb.rejected ?? 0, cancelled: inDb.cancelled ?? 0 });
}

/** Fails if the process ended by itself (a crash), and shows its last lines. */
function expectAlive(proc: AppProcess): void {
  if (proc.hasExited()) throw new Error(`the app process exited by itself:\n${proc.output.slice(-30).join('\n')}`);
}

/** Errors the app logged, without node-cron's "missed execution" warnings (printed as plain text). */
function crashLines(proc: AppProcess): string[] {
  return errorLines(proc)
    .filter((l) => !l.includes('[NODE-CRON]'))
    .map((l) => (l.length > 400 ? `${l.slice(0, 200)} … ${l.slice(-150)}` : l));
}

test('1. SIGKILL at random points during dispatch, 5 times, restarted each time: each message sent exactly once', async () => {
  const N = 20_000;
  // A throughput limit stretches the dispatch over ~10 s, so the five kills land in the middle of it (each run
  // sends at most ~3,000 messages before its kill).
  data = await prepareDataDir({ dispatchBatchSize: 100, carrierRatePerSecond: 2000, maxAttempts: 5 });
  const { db } = data;
  const { taskId } = await seedTask(db, phones(N));
  let proc = await startServer(data.dataDir);
  const runs = [proc];
  const kills: { afterMs: number; notPending: number; submitting: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const before = N - ((await messageCounts(db, taskId)).pending ?? 0);
    // Visible progress by this process: more messages left `pending` than when it started, some still pending.
    await waitUntil(
      `progress after restart ${i}`,
      async () => {
        expectAlive(proc);
        const c = await messageCounts(db, taskId);
        return N - (c.pending ?? 0) > before && (c.pending ?? 0) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const afterMs = 200 + Math.floor(Math.random() * 1300);
    await sleep(afterMs);
    expectAlive(proc);
    await proc.stop('SIGKILL');
    const c = await messageCounts(db, taskId);
    kills.push({ afterMs, notPending: N - (c.pending ?? 0), submitting: c.submitting ?? 0 });
    proc = await startServer(data.dataDir);
    runs.push(proc);
  }
  await waitForTheEnd(db, [taskId]);
  expectAlive(proc);
  // The kills happened during dispatch, not after it (the last run still had work to do).
  expect(kills[4].notPending).toBeLessThan(N);
  await expectExactlyOnce(db, [taskId], N);
  await expectCountsMatch(proc, db, [taskId]);
  expect(runs.flatMap(crashLines)).toEqual([]);
});

test('2. two app processes on the same database at once: no message sent or made final twice', async () => {
  const perTask = 10_000;
  data = await prepareDataDir({ dispatchBatchSize: 200, carrierRatePerSecond: 4000 });
  const { db } = data;
  const a = await startServer(data.dataDir);
  const b = await startServer(data.dataDir);
  const pids = new Set([a.child.pid, b.child.pid]);
  const tasks = [await seedTask(db, phones(perTask, '1391')), await seedTask(db, phones(perTask, '1392'))].map((s) => s.taskId);
  // Both processes dispatch at the same time: seen once as both tasks `sending` under leases of the two processes.
  let concurrent = false;
  const owners = new Set<string>();
  await waitUntil(
    'both tasks to complete',
    async () => {
      expectAlive(a);
      expectAlive(b);
      const rows = (await db('tasks').whereIn('id', tasks).select('status', 'lease_owner')) as { status: string; lease_owner: string | null }[];
      const sending = rows.filter((r) => r.status === 'sending' && r.lease_owner);
      for (const r of sending) owners.add(r.lease_owner!.split(':')[1]);
      if (sending.length === 2 && sending[0].lease_owner!.split(':')[1] !== sending[1].lease_owner!.split(':')[1]) concurrent = true;
      return rows.every((r) => r.status === 'completed');
    },
    { timeoutMs: 60_000, intervalMs: 25 },
  );
  expect(concurrent).toBe(true);
  expect([...owners].every((pid) => pids.has(Number(pid)))).toBe(true);
  await waitForTheEnd(db, tasks);
  expectAlive(a);
  expectAlive(b);
  await expectExactlyOnce(db, tasks, 2 * perTask);
  await expectCountsMatch(a, db, tasks);
  await expectCountsMatch(b, db, tasks);
  expect(crashLines(a)).toEqual([]);
  expect(crashLines(b)).toEqual([]);
});

test('3. carrier errors and timeouts on a share of batches: resubmissions are de-duplicated, everything ends final', async () => {
  const N = 5_000;
  data = await prepareDataDir({ dispatchBatchSize: 200, maxAttempts: 10, stubCarrier: { errorRate: 0.2, timeoutRate: 0.2 } });
  const { db } = data;
  const { taskId } = await seedTask(db, phones(N));
  const proc = await startServer(data.dataDir);
  // Back-off doubles from 1 s per attempt; a batch unlucky four times in a row waits 15 s.
  await waitForTheEnd(db, [taskId], 110_000);
  expectAlive(proc);
  // RETRY_EXHAUSTED (10 failed calls in a row) is possible but very unlikely; it is a final state too.
  await expectExactlyOnce(db, [taskId], N, ['delivered', 'failed']);
  const resubmitted = await count(db('stub_carrier_ledger').where('submissions', '>', 1).count({ n: '*' }));
  expect(resubmitted).toBeGreaterThan(0);
  const warnings = proc.output.filter((l) => l.includes('carrier call failed'));
  expect(warnings.some((l) => l.includes('"TIMEOUT"'))).toBe(true);
  expect(warnings.some((l) => l.includes('"MI:0503"'))).toBe(true);
  await expectCountsMatch(proc, db, [taskId]);
  expect(crashLines(proc)).toEqual([]);
}, 150_000);

test('4. SIGTERM during dispatch: exit 0 within seconds, the batch in flight finished, the rest pending; a restart completes', async () => {
  const N = 20_000;
  // First with a throughput limit (the signal usually lands while a batch marked `submitting` waits for its turn),
  // then without one (batch after batch with no pause: the signal must still get in between two batches).
  data = await prepareDataDir({ dispatchBatchSize: 200, carrierRatePerSecond: 2000 });
  const { db } = data;
  const { taskId } = await seedTask(db, phones(N));
  let handed = 0;
  for (const rate of [2000, 0]) {
    await saveSettings(db, { carrierRatePerSecond: rate });
    const proc = await startServer(data.dataDir);
    await waitUntil(
      `dispatch to be under way (rate ${rate})`,
      async () => {
        expectAlive(proc);
        return N - ((await messageCounts(db, taskId)).pending ?? 0) >= handed + 1000;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    const started = Date.now();
    const exit = await proc.stop('SIGTERM', 30_000);
    const tookMs = Date.now() - started;
    expect({ rate, exit }).toEqual({ rate, exit: { code: 0, signal: null } });
    expect(tookMs).toBeLessThan(5_000);
    const after = await messageCounts(db, taskId);
    expect({ rate, submitting: after.submitting ?? 0 }).toEqual({ rate, submitting: 0 });
    // Stopped, not finished: most of the task is still waiting.
    expect(after.pending ?? 0).toBeGreaterThan(N / 4);
    // Handed over: the lease is given back, so the next process need not wait for it to expire.
    const task = await taskRow(db, taskId);
    expect(task.status).toBe('sending');
    expect(task.lease_until < new Date().toISOString()).toBe(true);
    // Every message the carrier took is recorded as such: nothing is left half-done.
    handed = N - (after.pending ?? 0);
    expect(await count(db('stub_carrier_ledger').count({ n: '*' }))).toBe(handed);
    expect(crashLines(proc)).toEqual([]);
  }

  const proc = await startServer(data.dataDir);
  await waitForTheEnd(db, [taskId]);
  expectAlive(proc);
  await expectExactlyOnce(db, [taskId], N);
  await expectCountsMatch(proc, db, [taskId]);
  expect(crashLines(proc)).toEqual([]);
});

describe('in process', () => {
  const logLines: string[] = [];
  const logger = createLogger('info', (l) => logLines.push(l));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let lockers: Worker[] = [];

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(() => {
    logLines.length = 0;
    unhandled.length = 0;
  });
  afterEach(async () => {
    await Promise.all(lockers.map((w) => w.terminate()));
    lockers = [];
  });

  function makeDispatcher(db: Db, options: { carrier?: (stub: StubCarrier) => Carrier; now?: () => Date; leaseMs?: number } = {}) {
    const settings = () => getSettings(db, { timeZone: 'Europe/Berlin' });
    const stub = new StubCarrier(db, async () => (await settings()).stubCarrier);
    return new Dispatcher(db, options.carrier ? options.carrier(stub) : stub, settings, logger, { leaseMs: options.leaseMs ?? 30_000, now: options.now });
  }

  /**
   * Another connection to the same file (in a worker thread, so its clock runs while this thread waits in
   * SQLite's busy handler) takes the write lock with BEGIN IMMEDIATE, writes, and holds it for `holdMs`.
   * Resolves once the lock is held; `released` resolves after the commit.
   */
  async function lockDatabase(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const Database = require(workerData.driver);
       const conn = new Database(workerData.file);
       conn.pragma('busy_timeout = 5000');
       conn.exec('BEGIN IMMEDIATE');
       conn.prepare("UPDATE settings SET updated_at = ? WHERE key = 'stubCarrier'").run(new Date().toISOString());
       parentPort.postMessage('locked');
       setTimeout(() => { conn.exec('COMMIT'); conn.close(); parentPort.postMessage('released'); }, workerData.holdMs);`,
      { eval: true, workerData: { file, holdMs, driver: require.resolve('better-sqlite3') } },
    );
    lockers.push(worker);
    const released = new Promise<void>((resolve, reject) => {
      worker.on('message', (m) => m === 'released' && resolve());
      worker.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m) => m === 'locked' && resolve());
      worker.on('error', reject);
    });
    return { released };
  }

  const errorsLogged = () => logLines.map((l) => JSON.parse(l) as { level: string; msg: string; error?: string }).filter((l) => l.level === 'error');

  // SQLite's own write lock, held by another connection: PostgreSQL locks rows, and has no such lock to wait for.
  const sqliteLockTest = onPostgres() ? test.skip : test;

  sqliteLockTest('5a. a tick while another connection holds a long write lock: no crash, the error is logged, a later tick completes', async () => {
    data = await prepareDataDir({ dispatchBatchSize: 200 });
    const { db } = data;
    const { taskId } = await seedTask(db, phones(1_000));
    const d = makeDispatcher(db);
    // Held longer than busy_timeout (5 s): the tick's claim must give up with SQLITE_BUSY.
    const lock = await lockDatabase(data.databaseFile, 6_000);
    const started = Date.now();
    await expect(d.tick()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    expect(errorsLogged()).toEqual([expect.objectContaining({ msg: 'dispatch tick failed', error: expect.stringMatching(/locked|busy/i) })]);
    expect((await taskRow(db, taskId)).status).toBe('scheduled');
    await lock.released;
    await d.tick();
    await d.pullReceipts();
    await waitUntil('receipts', async () => (await d.pullReceipts(), !(await messageCounts(db, taskId)).submitted), { timeoutMs: 10_000 });
    await expectExactlyOnce(db, [taskId], 1_000);
    expect(unhandled).toEqual([]);
  });

  /** Ticks like the ticker (once a second) until `done`, at most `timeoutMs`. */
  async function tickUntil(d: Dispatcher, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    await waitUntil('the dispatcher to get there', async () => (await d.tick(), done()), { timeoutMs, intervalMs: 1000 });
  }

  async function tickUntilCompleted(d: Dispatcher, db: Db, taskId: string, timeoutMs = 30_000): Promise<void> {
    await tickUntil(d, async () => (await taskRow(db, taskId)).status === 'completed', timeoutMs);
  }

  sqliteLockTest('5b. the lock arrives mid-task (before the carrier records, then before we record its answer): resumed, each message once', async () => {
    data = await prepareDataDir({ dispatchBatchSize: 100 });
    const { db, databaseFile } = data;
    const { taskId } = await seedTask(db, phones(1_000));
    let calls = 0;
    const d = makeDispatcher(db, {
      carrier: (stub) => ({
        name: 'locking stub',
        pullReceipts: (limit) => stub.pullReceipts(limit),
        ackReceipts: (ids) => stub.ackReceipts(ids),
        async submitBatch(messages) {
          calls++;
          // Third call: the carrier's own write waits for the lock and fails.
          if (calls === 3) await lockDatabase(databaseFile, 6_000);
          const results = await stub.submitBatch(messages);
          // Sixth call: the carrier took the batch, then recording its answer waits for the lock and fails.
          if (calls === 6) await lockDatabase(databaseFile, 6_000);
          return results;
        },
      }),
    });
    await tickUntilCompleted(d, db, taskId);
    const errors = errorsLogged();
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toEqual(expect.objectContaining({ msg: 'dispatch of a task failed; it will be resumed', error: expect.stringMatching(/database is locked/) }));
    await waitUntil('receipts', async () => (await d.pullReceipts(), !(await messageCounts(db, taskId)).submitted), { timeoutMs: 10_000 });
    await expectExactlyOnce(db, [taskId], 1_000);
    // The batch whose answer was lost was resubmitted under the same ids and kept once by the carrier.
    expect(await count(db('stub_carrier_ledger').where('submissions', '>', 1).count({ n: '*' }))).toBe(100);
    expect(unhandled).toEqual([]);
  }, 60_000);

  test('5c. a carrier call that keeps failing (not a temporary error) neither spins nor holds up the other tasks', async () => {
    data = await prepareDataDir({ dispatchBatchSize: 100 });
    const { db } = data;
    const broken = await seedTask(db, phones(300, '1391'));
    const healthy = await seedTask(db, phones(300, '1392'));
    let fixed = false;
    const d = makeDispatcher(db, {
      carrier: (stub) => ({
        name: 'half-broken stub',
        pullReceipts: (limit) => stub.pullReceipts(limit),
        ackReceipts: (ids) => stub.ackReceipts(ids),
        async submitBatch(messages) {
          if (!fixed && messages[0].phone.startsWith('1391')) throw new TypeError("Cannot read properties of undefined (reading 'pdu')");
          return stub.submitBatch(messages);
        },
      }),
    });
    // Before the fix this tick never ended: it re-claimed the broken task at once, forever, without ever yielding.
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([d.tick().then(() => 'ended'), new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still running')))]);
    clearTimeout(timer);
    expect(outcome).toBe('ended');
    expect((await taskRow(db, healthy.taskId)).status).toBe('completed');
    expect((await taskRow(db, broken.taskId)).status).toBe('sending');
    expect(errorsLogged().length).toBeLessThanOrEqual(2);
    // Once the adapter works again, the next ticks resume the task; the batch left `submitting` goes out once.
    fixed = true;
    await tickUntilCompleted(d, db, broken.taskId);
    await waitUntil('receipts', async () => (await d.pullReceipts(), !(await messageCounts(db, broken.taskId)).submitted), { timeoutMs: 10_000 });
    await expectExactlyOnce(db, [broken.taskId, healthy.taskId], 600);
    expect(unhandled).toEqual([]);
  });

  test('6. a crash between recording the answers and adopting early receipts loses no receipt', async () => {
    // The carrier took a batch but the process died before recording the answer; the receipts came in first
    // (kept as orphans); the resubmission is recorded and the process dies again before adopting them.
    data = await prepareDataDir({ dispatchBatchSize: 50, stubCarrier: { delayMinMs: 0, delayMaxMs: 0 } });
    const { db } = data;
    const { taskId } = await seedTask(db, phones(50));
    const settings = () => getSettings(db, { timeZone: 'Europe/Berlin' });
    const stub = new StubCarrier(db, async () => (await settings()).stubCarrier);
    const now = () => new Date().toISOString();
    const lease = 30_000;
    // First process: claims, takes the batch, the carrier accepts it, then the process "dies".
    await claimDueTask(db, 'dead:1', now(), lease);
    const batch = (await takeBatch(db, taskId, 'dead:1', 50, now(), lease))!;
    await stub.submitBatch(batch);
    // Any process pulls the receipts before the resubmission: no message has these carrier ids yet.
    const d = makeDispatcher(db);
    await d.pullReceipts();
    expect(await count(db('orphan_receipts').count({ n: '*' }))).toBe(50);
    // Second process: takes over, resubmits (same ids, same carrier ids), records the answers, "dies" before adopting.
    await db('tasks').where({ id: taskId }).update({ lease_until: '1970-01-01T00:00:00.000Z' });
    await claimDueTask(db, 'dead:2', now(), lease);
    const again = (await takeBatch(db, taskId, 'dead:2', 50, now(), lease))!;
    const results = await stub.submitBatch(again);
    await db.transaction((trx) => recordBatchResults(trx, taskId, results.map((r) => ({ id: r.id, carrierMessageId: (r as { carrierMessageId: string }).carrierMessageId })), [], now()));
    // A live process takes over: the task completes and the waiting receipts are applied.
    await db('tasks').where({ id: taskId }).update({ lease_until: '1970-01-01T00:00:00.000Z' });
    await d.tick();
    await d.pullReceipts();
    expect(await messageCounts(db, taskId)).toEqual({ delivered: 50 });
    await expectExactlyOnce(db, [taskId], 50);
  });

  test('7. the clock crossing DST changes (Europe/Berlin) neither skips nor repeats a task, nor starts one early', async () => {
    const zone = 'Europe/Berlin';
    // Spring forward, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:xx does not exist.
    expect(parseLocalDateTime('2026-03-29T02:30', zone)).toBeNull();
    expect(parseLocalDateTime('2026-03-29T02:00', zone)).toBeNull();
    expect(parseLocalDateTime('2026-03-29T02:59', zone)).toBeNull();
    // Fall back, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:xx happens twice, the first occurrence is meant.
    expect(parseLocalDateTime('2026-10-25T02:30', zone)!.toISOString()).toBe('2026-10-25T00:30:00.000Z');

    data = await prepareDataDir({ dispatchBatchSize: 200, stubCarrier: { delayMinMs: 0, delayMaxMs: 0 } });
    const { db } = data;
    const at = (wall: string) => {
      const d = parseLocalDateTime(wall, zone);
      if (!d) throw new Error(`${wall} does not exist in ${zone}`);
      return d;
    };
    const schedule: { label: string; sendAt: Date }[] = [
      { label: 'spring 01:59 CET', sendAt: at('2026-03-29T01:59') },
      { label: 'spring 03:00 CEST', sendAt: at('2026-03-29T03:00') },
      { label: 'spring 03:01 CEST', sendAt: at('2026-03-29T03:01') },
      { label: 'fall 01:59 CEST', sendAt: at('2026-10-25T01:59') },
      { label: 'fall 02:30 CEST (first)', sendAt: at('2026-10-25T02:30') },
      { label: 'fall 02:59 CEST (first)', sendAt: at('2026-10-25T02:59') },
      // The second 02:30 cannot be typed as a wall time; an API client names it by its offset.
      { label: 'fall 02:30 CET (second)', sendAt: new Date('2026-10-25T02:30:00+01:00') },
      { label: 'fall 03:01 CET', sendAt: at('2026-10-25T03:01') },
    ];
    expect(schedule.map((s) => s.sendAt.toISOString())).toEqual([
      '2026-03-29T00:59:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:01:00.000Z',
      '2026-10-24T23:59:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T00:59:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:01:00.000Z',
    ]);
    // Seeded in a shuffled order, so the claim order comes from send_at and not from insertion.
    const seeded = new Map<string, { label: string; sendAt: Date }>();
    for (const i of [6, 2, 4, 0, 7, 3, 5, 1]) {
      const { taskId } = await seedTask(db, phones(3, `13${i}0`), { sendAt: schedule[i].sendAt });
      seeded.set(taskId, schedule[i]);
    }

    let clock = 0;
    const d = makeDispatcher(db, { now: () => new Date(clock) });
    const claims: { taskId: string; at: number }[] = [];
    const seen = new Set<string>();
    // The clock walks in UTC, minute by minute (each step 1 s past the minute, like a real ticker), across both changes.
    for (const [from, to] of [
      ['2026-03-28T23:30:00Z', '2026-03-29T02:30:00Z'],
      ['2026-10-24T23:00:00Z', '2026-10-25T03:00:00Z'],
    ]) {
      for (clock = Date.parse(from) + 1000; clock <= Date.parse(to); clock += 60_000) {
        logLines.length = 0;
        await d.tick();
        for (const l of logLines.map((x) => JSON.parse(x) as { msg: string; task?: string })) {
          if (l.msg === 'dispatch started') claims.push({ taskId: l.task!, at: clock });
        }
        // Nothing due later than the clock has been touched.
        const early = await db('tasks').whereNot('status', 'scheduled').where('send_at', '>', new Date(clock).toISOString()).pluck('id');
        expect(early).toEqual([]);
        for (const id of await db('tasks').where('status', 'completed').pluck('id')) seen.add(id);
      }
    }
    // Each task claimed once, in send_at order, in the minute it fell due.
    expect(claims.map((c) => seeded.get(c.taskId)!.label)).toEqual(schedule.map((s) => s.label));
    for (const c of claims) {
      const due = seeded.get(c.taskId)!.sendAt.getTime();
      expect(c.at).toBeGreaterThanOrEqual(due);
      expect(c.at - due).toBeLessThan(60_000);
    }
    expect(seen.size).toBe(schedule.length);
    await d.pullReceipts();
    await expectExactlyOnce(db, [...seeded.keys()], 3 * schedule.length);
  });

  test('8. Stop while a batch is at the carrier, which answers with a temporary error: nothing is sent after the Stop', async () => {
    data = await prepareDataDir({ dispatchBatchSize: 100 });
    const { db } = data;
    const { taskId } = await seedTask(db, phones(500));
    let calls = 0;
    const d = makeDispatcher(db, {
      carrier: (stub) => ({
        name: 'stub stopped mid-call',
        pullReceipts: (limit) => stub.pullReceipts(limit),
        ackReceipts: (ids) => stub.ackReceipts(ids),
        async submitBatch(messages) {
          calls++;
          if (calls < 2) return stub.submitBatch(messages);
          // The user presses Stop while the second batch is out; the carrier then answers 503.
          expect(await db.transaction((trx) => stopSendingTask(trx, taskId, new Date().toISOString()))).toBe(true);
          throw new CarrierTemporaryError('simulated carrier error (503)', 'MI:0503');
        },
      }),
    });
    await tickUntil(d, async () => (await taskRow(db, taskId)).status === 'cancelled', 10_000);
    expect(calls).toBe(2);
    expect(await messageCounts(db, taskId)).toEqual({ submitted: 100, cancelled: 400 });
    expect(await count(db('stub_carrier_ledger').count({ n: '*' }))).toBe(100);
    await expectCountersMatch(db, taskId);
  });
});
