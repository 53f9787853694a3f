/**
 * The scheduled jobs (retention, cleanup, draft expiry) fire on every instance at the same minute; on PostgreSQL
 * only the instance that takes the job's lock runs it (src/jobs/index.ts, src/db/locks.ts), the others skip.
 */
import { createDb, type Db } from '../../src/db/knex';
import { onceAcrossInstances } from '../../src/db/locks';
import { runCleanup } from '../../src/jobs/cleanup.job';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

let database: TestDatabase;
let instances: Db[];
beforeEach(async () => {
  database = await createTestDatabase();
  // Three processes' pools on the one database.
  instances = [1, 2, 3].map(() => createDb(database.target, { poolMax: 2 }));
});
afterEach(async () => {
  await Promise.all(instances.map((db) => db.destroy()));
  await database.drop();
});

async function advisoryLocksHeld(): Promise<number> {
  const { rows } = (await database.db.raw("select count(*) as n from pg_locks where locktype = 'advisory' and granted")) as { rows: { n: number }[] };
  return rows[0].n;
}

test('a job fired on 3 instances at once runs on one; once it is done, the next firing runs again', async () => {
  const now = Date.now();
  await database.db('sessions').insert({ sid: 'old', sess: '{}', expired: new Date(now - 1000).toISOString() });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const ran: number[] = [];
  const fire = (i: number) =>
    onceAcrossInstances(instances[i], 'job:cleanup', async () => {
      ran.push(i);
      await gate;
      return runCleanup(instances[i], now);
    });
  const first = fire(0);
  while ((await advisoryLocksHeld()) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await Promise.all([fire(1), fire(2)])).toEqual([undefined, undefined]);
  release();
  expect(await first).toMatchObject({ sessions: 1, loginAttempts: 0, idempotentAnswers: 0 });
  expect(ran).toEqual([0]);
  expect(await fire(2)).toMatchObject({ sessions: 0, loginAttempts: 0, idempotentAnswers: 0 });
  expect(ran).toEqual([0, 2]);
});

test('different jobs do not hold each other up', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const cleanup = onceAcrossInstances(instances[0], 'job:cleanup', () => gate.then(() => 'cleanup'));
  while ((await advisoryLocksHeld()) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await onceAcrossInstances(instances[1], 'job:retention', async () => 'retention')).toBe('retention');
  release();
  expect(await cleanup).toBe('cleanup');
});
