import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { Dispatcher } from '../services/dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS } from '../carrier/stub.carrier';
import { defaultSettings, type Settings } from '../services/settings.service';
import { createLogger } from '../log';
import { startJobs, type Jobs } from '.';

let t: TestApp;
let jobs: Jobs | null = null;
afterEach(async () => {
  await jobs?.stop();
  jobs = null;
  jest.restoreAllMocks();
  await t.close();
});

const ms = (iso: string) => Date.parse(iso);

test('receipts are applied while a rate-limited task sends, none waits over 3 s, and the log stays JSON', async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  const settings: Settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 200, carrierRatePerSecond: 200 };
  const stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 1000, delayMaxMs: 2000, failureMix: {} };
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  const plainText: unknown[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void plainText.push(args));
  }
  const { taskId } = await seedTask(t.db, phones(3000));
  const dispatcher = new Dispatcher(t.db, new StubCarrier(t.db, async () => stub), async () => settings, logger, { leaseMs: 30_000 });
  // One-second ticks: the old node-cron ticker printed an overlap warning for every beat inside the long tick.
  jobs = startJobs(t.db, logger, { dispatcher, tickSeconds: 1 }, t.config);

  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await t.db('tasks').where({ id: taskId }).first('status', 'delivered_count');
    if (task.status === 'completed' && task.delivered_count === 3000) break;
    if (Date.now() > deadline) throw new Error(`not done in time: ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { completed_at: completedAt } = await t.db('tasks').where({ id: taskId }).first('completed_at');
  // The stub's ledger keeps, for each message, when it was accepted, when its receipt became due (report_at) and
  // when it was acknowledged, which is right after it was applied (reported_at).
  const ledger = (await t.db('stub_carrier_ledger').select('accepted_at', 'report_at', 'reported_at')) as Record<string, string>[];
  expect(ledger).toHaveLength(3000);
  const firstSubmit = Math.min(...ledger.map((r) => ms(r.accepted_at)));
  const firstApplied = Math.min(...ledger.map((r) => ms(r.reported_at)));
  expect(firstApplied - firstSubmit).toBeLessThan(5000);
  // Sending took about 15 s; the old dispatcher applied nothing before it was over.
  expect(ms(completedAt) - firstSubmit).toBeGreaterThan(10_000);
  const dueWhileSending = ledger.filter((r) => ms(r.report_at) <= ms(completedAt));
  expect(dueWhileSending.length).toBeGreaterThan(2000);
  const worstWait = Math.max(...dueWhileSending.map((r) => ms(r.reported_at) - ms(r.report_at)));
  expect(worstWait).toBeLessThanOrEqual(3000);

  expect(plainText).toEqual([]);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
}, 90_000);
