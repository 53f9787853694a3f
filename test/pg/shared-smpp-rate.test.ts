/**
 * Issue 13: an SMPP account's tps holds across instances. Three connectors for the one account, each on its own pool
 * and its own bind (three instances), submit at once to the test SMSC; with the account at 100 submits a second,
 * the three together stay within 10% of it. Each instance's own pacing alone let them send about 300 a second.
 */
import { SmppCarrier } from '../../src/carrier/smpp.carrier';
import { createDb, type Db } from '../../src/db/knex';
import { createLogger } from '../../src/log';
import { findCarrierAccount } from '../../src/queries/carrier-accounts.queries';
import { addUser } from '../helpers/app';
import { addSmppAccount } from '../helpers/smpp-account';
import { TestSmsc } from '../helpers/smsc';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

jest.setTimeout(120_000);

const TPS = 100;
const PER_INSTANCE = 300;
const BATCH = 10;
const secretKey = Buffer.alloc(32, 7);
const logger = createLogger('silent');

let database: TestDatabase;
let instances: Db[];
let smsc: TestSmsc;
let carriers: SmppCarrier[] = [];
beforeEach(async () => {
  database = await createTestDatabase();
  await addUser(database.db, 'admin', 'admin');
  instances = [1, 2, 3].map(() => createDb(database.target, { poolMax: 3 }));
  smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
});
afterEach(async () => {
  await Promise.all(carriers.map((c) => c.stop()));
  carriers = [];
  await smsc.close();
  await Promise.all(instances.map((db) => db.destroy()));
  await database.drop();
});

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('3 instances binding one SMPP account at 100 tps: together they stay within 10% of it', async () => {
  const id = await addSmppAccount(database.db, secretKey, smsc.port, { settings: { tps: TPS, window: 10 } });
  const account = (await findCarrierAccount(database.db, id))!;
  carriers = instances.map((db) => new SmppCarrier(db, account, 'secret', logger).start());
  await waitFor('three binds', () => carriers.every((c) => c.available()));

  // Each instance submits its messages a batch at a time and notes when each batch was answered.
  const answered: number[] = [];
  const send = async (carrier: SmppCarrier, instance: number) => {
    for (let from = 0; from < PER_INSTANCE; from += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => ({ id: instance * 10_000 + from + i + 1, phone: `1390${instance}${String(from + i).padStart(5, '0')}7`, content: 'hello' }));
      const results = await carrier.submitBatch(batch);
      expect(results.every((r) => r.accepted)).toBe(true);
      answered.push(Date.now());
    }
  };
  const started = Date.now();
  await Promise.all(carriers.map((c, i) => send(c, i)));

  expect(smsc.submits).toHaveLength(3 * PER_INSTANCE);
  // The first tenth of a second's worth goes at once (the bucket starts full); what came after, over the time from
  // the start to the last answer, is the rate.
  answered.sort((a, b) => a - b);
  const spanSeconds = (answered[answered.length - 1] - started) / 1000;
  const rate = (3 * PER_INSTANCE - TPS / 10) / spanSeconds;
  process.stdout.write(`shared SMPP rate: ${rate.toFixed(1)} submits/s over ${spanSeconds.toFixed(2)} s (account tps ${TPS})\n`);
  expect(rate).toBeLessThanOrEqual(TPS * 1.1);
  expect(rate).toBeGreaterThanOrEqual(TPS * 0.9);
});
