import { makeTestApp, type TestApp } from '../../test/helpers/app';
import { onPostgres } from '../../test/helpers/test-db';
import { createDb, type Db } from '../db/knex';
import { dueReports, markReported, recordAccepted, type LedgerEntry } from './stub-ledger.queries';

/**
 * Issue 13: the stub carrier's due receipts are claimed, so with several instances (here: two pools on one database,
 * as two processes have) each receipt is handed to one poller, not read by all of them.
 */
let t: TestApp;
let other: Db;
beforeEach(async () => {
  t = await makeTestApp({ file: true });
  other = createDb(onPostgres() ? t.config.databaseUrl! : t.config.databaseFile, { poolMax: 3 });
});
afterEach(async () => {
  await other.destroy();
  await t.close();
});

const past = (ms: number) => new Date(Date.now() - ms).toISOString();

async function accepted(n: number): Promise<void> {
  const entries: LedgerEntry[] = Array.from({ length: n }, (_, i) => ({
    idempotencyKey: String(i + 1),
    carrierMessageId: `stub-${i + 1}`,
    phone: '13900000007',
    content: 'x',
    outcomeCode: 'DELIVRD',
    reportAt: past(60_000 - i),
  }));
  for (let i = 0; i < n; i += 1000) await recordAccepted(t.db, entries.slice(i, i + 1000), past(61_000));
}

test('receipts one poller took and has not acknowledged yet are not handed to another', async () => {
  await accepted(300);
  const first = await dueReports(t.db, new Date().toISOString(), 200);
  const second = await dueReports(other, new Date().toISOString(), 200);
  expect(first).toHaveLength(200);
  expect(second).toHaveLength(100);
  const firstIds = new Set(first.map((r) => r.id));
  expect(second.filter((r) => firstIds.has(r.id))).toEqual([]);
  // Oldest due first.
  expect(first.map((r) => r.carrierMessageId).slice(0, 2)).toEqual(['stub-1', 'stub-2']);
  expect(await dueReports(t.db, new Date().toISOString(), 200)).toEqual([]);
});

test('two pollers at once, pulling and acknowledging until nothing is due: each receipt delivered once', async () => {
  await accepted(3000);
  const poll = async (db: Db) => {
    const seen: number[] = [];
    for (;;) {
      const due = await dueReports(db, new Date().toISOString(), 97);
      if (due.length === 0) return seen;
      seen.push(...due.map((r) => r.id));
      await markReported(db, due.map((r) => r.id), new Date().toISOString());
    }
  };
  const [a, b] = await Promise.all([poll(t.db), poll(other)]);
  const all = [...a, ...b];
  expect(all).toHaveLength(3000);
  expect(new Set(all).size).toBe(3000);
  expect(Number((await t.db('stub_carrier_ledger').whereNull('reported_at').count({ n: '*' }))[0].n)).toBe(0);
});

test('a claim that ran out (its poller died before acknowledging) is handed out again', async () => {
  await accepted(5);
  expect(await dueReports(t.db, new Date().toISOString(), 10)).toHaveLength(5);
  await t.db('stub_carrier_ledger').update({ claimed_until: past(1000) });
  expect((await dueReports(other, new Date().toISOString(), 10)).map((r) => r.carrierMessageId)).toEqual(['stub-1', 'stub-2', 'stub-3', 'stub-4', 'stub-5']);
});
