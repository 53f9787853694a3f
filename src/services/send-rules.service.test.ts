import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { Dispatcher } from './dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS } from '../carrier/stub.carrier';
import type { OutgoingMessage, SubmitResult } from '../carrier/carrier';
import { defaultSettings, type Settings } from './settings.service';
import { createLogger } from '../log';
import { addOptOut } from './opt-outs.service';
import { findTask } from '../queries/tasks.queries';
import { taskCounts } from '../tasks/task-counts';
import { applyTaskAction } from './task-actions.service';
import { findUserById } from '../queries/users.queries';
import { daysBefore, localDay } from '../opt-outs/cap-days';

/** Send-time rules of issue 14 through the real dispatcher, its clock injected. */

let t: TestApp;
let settings: Settings;
let clock: number;
const stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };

/** The stub, with a hook after each carrier call (to move the clock while a task sends). */
class HookedStub extends StubCarrier {
  afterCall: (() => void) | null = null;
  override async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    const results = await super.submitBatch(messages);
    this.afterCall?.();
    return results;
  }
}

function dispatcher() {
  const carrier = new HookedStub(t.db, async () => stub);
  const d = new Dispatcher(t.db, carrier, async () => settings, createLogger('silent'), { leaseMs: 30_000, now: () => new Date(clock || Date.now()) });
  return { d, carrier };
}

async function marketingTask(numbers: string[]): Promise<string> {
  const { taskId } = await seedTask(t.db, numbers);
  // seedTask makes notification tasks; the rules look at the type frozen on the task.
  await t.db('tasks').where({ id: taskId }).update({ sms_type: 'marketing' });
  return taskId;
}

const statusCounts = async (taskId: string) =>
  Object.fromEntries(((await t.db('messages').where({ task_id: taskId }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)]));

const noQuiet = (s: Settings): Settings => ({ ...s, sendRules: { ...s.sendRules, quietHours: { ...s.sendRules.quietHours, enabled: false } } });

beforeEach(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
  settings = noQuiet({ ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 50 });
  clock = 0; // real time until a test sets it
});
afterEach(() => t.close());

describe('opt-outs at send time', () => {
  test('a number that opted out after the confirm is skipped as suppressed, counted, never sent', async () => {
    const numbers = phones(5);
    const taskId = await marketingTask(numbers);
    await addOptOut(t.db, { phone: numbers[2], reason: 'T', source: 'reply', actor: { userId: null, apiKeyId: null } });
    await dispatcher().d.tick();
    expect(await statusCounts(taskId)).toEqual({ submitted: 4, suppressed: 1 });
    expect(await t.db('messages').where({ task_id: taskId, status: 'suppressed' }).first('phone', 'code')).toEqual({ phone: numbers[2], code: 'OPTED_OUT' });
    const task = (await findTask(t.db, taskId))!;
    expect(task.status).toBe('completed');
    expect(task.suppressedCount).toBe(1);
    expect(taskCounts(task).byStatus).toMatchObject({ submitted: 4, suppressed: 1, pending: 0 });
    expect(await t.db('stub_carrier_ledger').count({ n: '*' }).first()).toEqual({ n: 4 });
  });

  test('notification messages are exempt by default, and suppressed when the exemption is off', async () => {
    const numbers = phones(3);
    await addOptOut(t.db, { phone: numbers[0], reason: '', source: 'manual', actor: { userId: 1, apiKeyId: null } });
    const { taskId } = await seedTask(t.db, numbers);
    await dispatcher().d.tick();
    expect(await statusCounts(taskId)).toEqual({ submitted: 3 });
    settings = { ...settings, sendRules: { ...settings.sendRules, transactionalExempt: false } };
    const second = await seedTask(t.db, numbers);
    await dispatcher().d.tick();
    expect(await statusCounts(second.taskId)).toEqual({ submitted: 2, suppressed: 1 });
  });
});

describe('frequency caps at send time', () => {
  test('each marketing message sent is counted per number and day; a number that reached the cap meanwhile is capped', async () => {
    settings = { ...settings, sendRules: { ...settings.sendRules, frequencyCaps: { perDay: 1, perPeriod: 0, periodDays: 7 } } };
    const numbers = phones(3);
    const first = await marketingTask(numbers);
    const second = await marketingTask(numbers); // confirmed before the first was sent: the check could not know
    await dispatcher().d.tick();
    const today = localDay(new Date(), 'Asia/Shanghai');
    expect(await statusCounts(first)).toEqual({ submitted: 3 });
    expect(await statusCounts(second)).toEqual({ capped: 3 });
    expect((await findTask(t.db, second))!.cappedCount).toBe(3);
    expect(await t.db('marketing_send_counts').orderBy('phone').select('phone', 'day', 'count')).toEqual(numbers.map((phone) => ({ phone, day: today, count: 1 })));
  });

  test('the cap over a period: 3 in the last 7 days (the day 7 days back not counted) caps the next one', async () => {
    settings = { ...settings, sendRules: { ...settings.sendRules, frequencyCaps: { perDay: 0, perPeriod: 3, periodDays: 7 } } };
    const [atCap, belowCap] = phones(2);
    const today = localDay(new Date(), 'Asia/Shanghai');
    const day = (n: number) => daysBefore(today, n);
    await t.db('marketing_send_counts').insert([
      { phone: atCap, day: day(1), count: 2 },
      { phone: atCap, day: day(6), count: 1 },
      { phone: belowCap, day: day(1), count: 2 },
      { phone: belowCap, day: day(7), count: 5 },
    ]);
    const taskId = await marketingTask([atCap, belowCap]);
    await dispatcher().d.tick();
    expect(await t.db('messages').where({ task_id: taskId }).orderBy('phone').select('phone', 'status')).toEqual([
      { phone: atCap, status: 'capped' },
      { phone: belowCap, status: 'submitted' },
    ]);
  });

  test('notification messages are neither capped nor counted', async () => {
    settings = { ...settings, sendRules: { ...settings.sendRules, frequencyCaps: { perDay: 1, perPeriod: 0, periodDays: 7 } } };
    const { taskId } = await seedTask(t.db, phones(2));
    const again = await seedTask(t.db, phones(2));
    await dispatcher().d.tick();
    expect(await statusCounts(taskId)).toEqual({ submitted: 2 });
    expect(await statusCounts(again.taskId)).toEqual({ submitted: 2 });
    expect(await t.db('marketing_send_counts').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});

describe('quiet hours at send time (Europe/Berlin, 21:00–08:00, across the spring DST change)', () => {
  beforeEach(() => {
    settings = { ...settings, timeZone: 'Europe/Berlin', sendRules: { ...settings.sendRules, quietHours: { enabled: true, start: '21:00', end: '08:00', timeZone: '' } } };
  });
  // 2027-03-27 20:59:59 CET; the window opens at 20:00Z and ends 2027-03-28 08:00 CEST = 06:00Z (the night is an hour short).
  const beforeWindow = Date.parse('2027-03-27T19:59:59Z');
  const windowOpen = Date.parse('2027-03-27T20:00:00Z');
  const windowEnd = '2027-03-28T06:00:00.000Z';

  test('a task still sending when the window opens pauses, keeps its messages, and resumes by itself when it ends', async () => {
    const taskId = await marketingTask(phones(120));
    clock = beforeWindow;
    const { d, carrier } = dispatcher();
    carrier.afterCall = () => (clock = windowOpen); // the window opens after the first batch
    await d.tick();
    let task = (await findTask(t.db, taskId))!;
    expect(task.status).toBe('sending');
    expect(task.quietPausedUntil).toBe(windowEnd);
    expect(await statusCounts(taskId)).toEqual({ submitted: 50, pending: 70 });
    expect((await t.db('tasks').where({ id: taskId }).first('lease_until')).lease_until).toBe(windowEnd);

    // Not claimed again inside the window, by this dispatcher or another.
    clock = Date.parse('2027-03-28T05:59:00Z');
    await dispatcher().d.tick();
    const paused = await statusCounts(taskId);
    expect(paused.pending).toBe(70);
    expect((paused.submitted ?? 0) + (paused.delivered ?? 0)).toBe(50);

    clock = Date.parse('2027-03-28T06:00:01Z');
    await dispatcher().d.tick();
    task = (await findTask(t.db, taskId))!;
    expect(task.status).toBe('completed');
    expect(task.quietPausedUntil).toBeNull();
    const done = await statusCounts(taskId);
    expect((done.submitted ?? 0) + (done.delivered ?? 0)).toBe(120);
    expect(await t.db('messages').where({ task_id: taskId }).count({ n: '*' }).first()).toEqual({ n: 120 });
  });

  test('a task due inside the window sends nothing, and can be stopped while paused', async () => {
    const taskId = await marketingTask(phones(10));
    clock = Date.parse('2027-03-28T01:30:00Z'); // 03:30 CEST, just after the change
    await dispatcher().d.tick();
    expect((await findTask(t.db, taskId))!.quietPausedUntil).toBe(windowEnd);
    expect(await statusCounts(taskId)).toEqual({ pending: 10 });
    const admin = (await findUserById(t.db, 1))!;
    expect(await applyTaskAction(t.db, taskId, 'stop', admin)).toEqual({ ok: true, key: 'tasks.actions.stopDone' });
    const task = (await findTask(t.db, taskId))!;
    expect(task.status).toBe('cancelled');
    expect(await statusCounts(taskId)).toEqual({ cancelled: 10 });
  });

  test('notification tasks are not held by quiet hours', async () => {
    const { taskId } = await seedTask(t.db, phones(3));
    clock = windowOpen;
    await dispatcher().d.tick();
    expect(await statusCounts(taskId)).toEqual({ submitted: 3 });
  });
});
