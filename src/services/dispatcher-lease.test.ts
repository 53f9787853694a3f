import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { phones, seedTask } from '../../test/helpers/tasks';
import { Dispatcher } from './dispatcher.service';
import { StubCarrier, DEFAULT_STUB_SETTINGS } from '../carrier/stub.carrier';
import { defaultSettings } from './settings.service';
import { createLogger } from '../log';
import { claimDueTask } from '../queries/dispatch-claims.queries';

/**
 * Leases run on the database's clock (issue 13), on SQLite too (the clock of the box its file is on): a dispatcher
 * whose own clock runs 60 s fast leaves another's live lease alone and takes an expired one. The same on PostgreSQL
 * with two instances: test/pg/skewed-clock.test.ts.
 */
let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

function fastDispatcher() {
  const stub = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };
  const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 50 };
  return new Dispatcher(t.db, new StubCarrier(t.db, async () => stub), async () => settings, createLogger('silent'), {
    leaseMs: 30_000,
    now: () => new Date(Date.now() + 60_000),
  });
}

const heldBy = (taskId: string, leaseUntil: Date) =>
  t.db('tasks').where({ id: taskId }).update({ status: 'sending', started_at: new Date().toISOString(), lease_owner: 'elsewhere:1', lease_until: leaseUntil.toISOString() });

test('a dispatcher whose clock runs 60 s fast does not take a lease live for 30 s more', async () => {
  const { taskId } = await seedTask(t.db, phones(5));
  await heldBy(taskId, new Date(Date.now() + 30_000));
  await fastDispatcher().tick();
  expect(await t.db('tasks').where({ id: taskId }).first('status', 'lease_owner')).toEqual({ status: 'sending', lease_owner: 'elsewhere:1' });
  expect(await t.db('messages').where({ task_id: taskId, status: 'pending' }).count({ n: '*' })).toEqual([{ n: 5 }]);
});

test('a dispatcher whose clock runs 60 s fast takes over a lease that expired', async () => {
  const { taskId } = await seedTask(t.db, phones(5));
  await heldBy(taskId, new Date(Date.now() - 1_000));
  await fastDispatcher().tick();
  expect(await t.db('tasks').where({ id: taskId }).first('status', 'submitted_count')).toEqual({ status: 'completed', submitted_count: 5 });
});

test('a claim made with a clock 60 s fast leases the task for 30 s from the database clock', async () => {
  const { taskId } = await seedTask(t.db, phones(5));
  const before = new Date(Date.now() + 30_000).toISOString();
  const fastNow = new Date(Date.now() + 60_000).toISOString();
  expect((await claimDueTask(t.db, 'fast:1', fastNow, 30_000))?.id).toBe(taskId);
  const { lease_until: leaseUntil } = await t.db('tasks').where({ id: taskId }).first('lease_until');
  // Not 30 s after the fast clock's now (90 s from now).
  expect(leaseUntil >= before).toBe(true);
  expect(leaseUntil <= new Date(Date.now() + 30_000).toISOString()).toBe(true);
});
