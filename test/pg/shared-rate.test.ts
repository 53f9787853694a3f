/**
 * Issue 13: a carrier's messages-per-second limit holds across instances. Three dispatchers on separate pools (three
 * instances) send three tasks through the one stub carrier limited to 200 a second; the stub's ledger says when each
 * message was accepted, and the aggregate rate measured from it stays within 10% of the limit. With the limit held
 * per instance (before), three instances sent about 600 a second.
 */
import { DEFAULT_STUB_SETTINGS, StubCarrier } from '../../src/carrier/stub.carrier';
import { createDb, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/log';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { defaultSettings } from '../../src/services/settings.service';
import { addUser } from '../helpers/app';
import { phones, seedTask } from '../helpers/tasks';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

jest.setTimeout(180_000);

const RATE = 200;
const PER_TASK = 1000;
const logger = createLogger('silent');
// Small batches: the ledger's timestamps come a batch at a time, so the measure is as fine as a batch (20 = 0.1 s).
const settings = { ...defaultSettings({ timeZone: 'Asia/Shanghai' }), dispatchBatchSize: 20, carrierRatePerSecond: RATE };
// Receipts long after the run: none is applied meanwhile, so the sends alone are measured.
const stubSettings = { ...DEFAULT_STUB_SETTINGS, delayMinMs: 600_000, delayMaxMs: 600_000, failureMix: {} };

let database: TestDatabase;
let instances: Db[];
beforeEach(async () => {
  database = await createTestDatabase();
  await addUser(database.db, 'admin', 'admin');
  instances = [1, 2, 3].map(() => createDb(database.target, { poolMax: 3 }));
});
afterEach(async () => {
  await Promise.all(instances.map((db) => db.destroy()));
  await database.drop();
});

test('3 instances sending through one carrier limited to 200/s: the aggregate rate stays within 10%', async () => {
  const taskIds: string[] = [];
  for (const head of ['1391', '1392', '1393']) taskIds.push((await seedTask(database.db, phones(PER_TASK, head))).taskId);
  const sent = [0, 0, 0];
  const dispatchers = instances.map((db, i) => {
    const carrier = new StubCarrier(db, async () => stubSettings);
    const submitBatch = carrier.submitBatch.bind(carrier);
    carrier.submitBatch = async (messages) => {
      sent[i] += messages.length;
      return submitBatch(messages);
    };
    return new Dispatcher(db, carrier, async () => settings, logger, { leaseMs: 30_000 });
  });
  // Each instance ticks until every task is done, as the server's loop does.
  const run = async (d: Dispatcher) => {
    for (;;) {
      await d.tick();
      const open = await database.db('tasks').whereIn('id', taskIds).whereNot({ status: 'completed' }).first('id');
      if (!open) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await Promise.all(dispatchers.map(run));

  const accepted = ((await database.db('stub_carrier_ledger').orderBy('accepted_at').pluck('accepted_at')) as string[]).map((iso) => Date.parse(iso));
  expect(accepted).toHaveLength(3 * PER_TASK);
  // Every instance sent: the limit was shared, not held by one instance sending alone.
  expect(sent.every((n) => n > 0)).toBe(true);
  // The first batch goes at once (a burst of one batch); every later one waits its turn: the rate is what came after
  // the first batch over the time from the first acceptance to the last.
  const spanSeconds = (accepted[accepted.length - 1] - accepted[0]) / 1000;
  const rate = (accepted.length - settings.dispatchBatchSize) / spanSeconds;
  // The busiest second, for the report.
  let busiest = 0;
  for (let i = 0, j = 0; i < accepted.length; i += 1) {
    while (accepted[i] - accepted[j] >= 1000) j += 1;
    busiest = Math.max(busiest, i - j + 1);
  }
  process.stdout.write(`shared rate: ${rate.toFixed(1)} messages/s over ${spanSeconds.toFixed(2)} s (limit ${RATE}), busiest second ${busiest}, per instance ${sent.join('/')}\n`);
  expect(rate).toBeLessThanOrEqual(RATE * 1.1);
  expect(rate).toBeGreaterThanOrEqual(RATE * 0.9);
});
