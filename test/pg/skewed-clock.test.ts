/**
 * Issue 13: leases run on the database's clock. Two dispatchers on separate pools (two instances), the second on a
 * box whose clock runs 60 s fast: it does not take the first one's live lease, and it does take an expired one.
 * With leases computed from the process clock, the fast box saw every lease shorter than 60 s as expired.
 */
import type { OutgoingMessage, SubmitResult } from '../../src/carrier/carrier';
import { DEFAULT_STUB_SETTINGS, StubCarrier } from '../../src/carrier/stub.carrier';
import { dbClockIso } from '../../src/db/dialect';
import { createDb, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/log';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { defaultSettings } from '../../src/services/settings.service';
import { addUser } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const logger = createLogger('silent');
const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 50 };
const stubSettings = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 0, failureMix: {} };
const FAST_MS = 60_000;

/** The stub, whose calls wait at a gate opened by the test: the instance holding it is mid-send, or "hung". */
class GatedStub extends StubCarrier {
  calls = 0;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  override async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    this.calls += 1;
    await this.gate;
    return super.submitBatch(messages);
  }
  release(): void {
    this.open();
  }
}

let database: TestDatabase;
let instances: Db[];
beforeEach(async () => {
  database = await createTestDatabase();
  await addUser(database.db, 'admin', 'admin');
  instances = [1, 2].map(() => createDb(database.target, { poolMax: 3 }));
});
afterEach(async () => {
  await Promise.all(instances.map((db) => db.destroy()));
  await database.drop();
});

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function dispatchers(leaseMsOfFirst: number) {
  const slowCarrier = new GatedStub(instances[0], async () => stubSettings);
  const first = new Dispatcher(instances[0], slowCarrier, async () => settings, logger, { leaseMs: leaseMsOfFirst });
  const fastCarrier = new GatedStub(instances[1], async () => stubSettings);
  fastCarrier.release();
  const fast = new Dispatcher(instances[1], fastCarrier, async () => settings, logger, { leaseMs: 30_000, now: () => new Date(Date.now() + FAST_MS) });
  return { first, slowCarrier, fast, fastCarrier };
}

const taskRow = (taskId: string) => database.db('tasks').where({ id: taskId }).first('status', 'lease_owner');

test('an instance whose clock runs 60 s fast does not take a live lease', async () => {
  const { taskId } = await seedTask(database.db, phones(20));
  const { first, slowCarrier, fast, fastCarrier } = dispatchers(20_000);
  const sending = first.tick();
  await waitFor('the first instance at the carrier', () => slowCarrier.calls > 0);

  await fast.tick();
  expect(fastCarrier.calls).toBe(0);
  expect(await taskRow(taskId)).toEqual({ status: 'sending', lease_owner: first.owner });

  slowCarrier.release();
  await sending;
  expect(await taskRow(taskId)).toEqual({ status: 'completed', lease_owner: null });
  expect(Number((await database.db('stub_carrier_ledger').count({ n: '*' }))[0].n)).toBe(20);
});

test('an instance whose clock runs 60 s fast takes over a lease that expired on the database clock', async () => {
  const { taskId } = await seedTask(database.db, phones(20));
  // The first instance hangs at the carrier and never renews its short lease.
  const { first, slowCarrier, fast, fastCarrier } = dispatchers(1_500);
  const hung = first.tick();
  await waitFor('the first instance at the carrier', () => slowCarrier.calls > 0);
  await waitFor('the lease expired on the database clock', async () => (await database.db('tasks').where({ id: taskId }).where('lease_until', '<', dbClockIso(database.db)).first('id')) !== undefined);

  await fast.tick();
  expect(fastCarrier.calls).toBeGreaterThan(0);
  expect(await taskRow(taskId)).toEqual({ status: 'completed', lease_owner: null });
  // The hung call ends at last: its answers find the messages already recorded, and nothing is sent twice.
  slowCarrier.release();
  await hung;
  expect(await database.db('messages').where({ task_id: taskId }).whereIn('status', ['pending', 'submitting']).count({ n: '*' })).toEqual([{ n: 0 }]);
  expect(await database.db('tasks').where({ id: taskId }).first('submitted_count')).toEqual({ submitted_count: 20 });
  expect(Number((await database.db('stub_carrier_ledger').countDistinct({ n: 'idempotency_key' }))[0].n)).toBe(20);
});
