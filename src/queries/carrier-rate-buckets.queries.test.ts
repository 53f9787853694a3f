import { makeTestApp, type TestApp } from '../../test/helpers/app';
import { onPostgres } from '../../test/helpers/test-db';
import { createDb, type Db } from '../db/knex';
import { takeTokens } from './carrier-rate-buckets.queries';

/** Issue 13: a carrier's rate as a token bucket row, shared by every instance (here: two pools on one database). */
let t: TestApp;
let other: Db;
beforeEach(async () => {
  t = await makeTestApp({ file: true });
  other = createDb(onPostgres() ? t.config.databaseUrl! : t.config.databaseFile, { poolMax: 2 });
});
afterEach(async () => {
  await other.destroy();
  await t.close();
});

test('a new bucket starts full; batches taken at once by two instances queue behind each other', async () => {
  // 100 a second, a burst of one batch of 50: the first batch goes at once.
  expect(await takeTokens(t.db, 'carrier:stub', 50, 100, 50)).toBe(0);
  // The next ones, taken straight after on either instance, wait about 0.5 s, then 1 s (less what refilled meanwhile).
  const second = await takeTokens(other, 'carrier:stub', 50, 100, 50);
  const third = await takeTokens(t.db, 'carrier:stub', 50, 100, 50);
  expect(second).toBeGreaterThan(0);
  expect(second).toBeLessThanOrEqual(500);
  expect(third).toBeGreaterThan(second);
  expect(third).toBeLessThanOrEqual(1000);
  // Another carrier has a bucket of its own.
  expect(await takeTokens(other, 'carrier:other', 50, 100, 50)).toBe(0);
});

test('a bucket refills on the database clock, up to its burst only', async () => {
  await takeTokens(t.db, 'carrier:stub', 50, 100, 50);
  // As if the last batch was taken an hour ago: full again, but no more than one burst.
  await t.db('carrier_rate_buckets').update({ refilled_at: new Date(Date.now() - 3_600_000).toISOString() });
  expect(await takeTokens(other, 'carrier:stub', 50, 100, 50)).toBe(0);
  expect(await takeTokens(t.db, 'carrier:stub', 50, 100, 50)).toBeGreaterThan(0);
});
