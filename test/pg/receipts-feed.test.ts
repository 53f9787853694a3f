/**
 * The receipts feed stays exactly-once on PostgreSQL (issue 13), where ids are not committed in id order: a
 * receipt with a smaller id can commit after a larger one was read. The feed follows commit order instead
 * (src/services/receipts-feed.service.ts).
 */
import { makeTestApp, addUser, type TestApp } from '../helpers/app';
import { seedTask, phones } from '../helpers/tasks';
import { receiptsPage, ReceiptsCursor } from '../../src/services/receipts-feed.service';
import type { Knex } from 'knex';

let t: TestApp;
let messages: { id: number; task_id: string; phone: string }[];
const cursors = new ReceiptsCursor('a session secret of thirty-two characters');

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  await seedTask(t.db, phones(200));
  messages = await t.db('messages').orderBy('id').select('id', 'task_id', 'phone');
});
afterEach(() => t.close());

let next = 0;
/** Writes the receipt of the next message (as the dispatcher does: its final outcome); returns its id. */
async function writeReceipt(db: Knex): Promise<number> {
  const m = messages[next++];
  const [row] = (await db('receipts')
    .insert({ message_id: m.id, task_id: m.task_id, phone: m.phone, status: 'delivered', code: 'DELIVRD', reported_at: new Date().toISOString() })
    .returning('id')) as { id: number }[];
  return row.id;
}

/** Follows the feed from `since` until a page comes back empty; the receipt ids in the order served, and the cursor. */
async function follow(since: string | null, limit = 100): Promise<{ ids: number[]; cursor: string }> {
  const ids: number[] = [];
  let cursor = since;
  for (;;) {
    const page = await receiptsPage(t.db, cursors, { since: cursor, taskId: null, limit });
    if (!page.ok) throw new Error(page.error);
    ids.push(...page.receipts.map((r) => r.id));
    cursor = page.nextCursor;
    if (page.receipts.length === 0) return { ids, cursor };
  }
}

test('a receipt with a smaller id committed after a larger one was written is still served, once', async () => {
  const slow = await t.db.transaction();
  const smaller = await writeReceipt(slow);
  const larger = await writeReceipt(t.db);
  expect(smaller).toBeLessThan(larger);
  // While the slower transaction runs, neither is served: a later commit could still land below the larger one.
  const before = await follow(null);
  expect(before.ids).toEqual([]);
  await slow.commit();
  const after = await follow(before.cursor);
  expect(after.ids).toEqual([smaller, larger]);
  expect((await follow(after.cursor)).ids).toEqual([]);
});

test('a poller following the feed while 4 writers commit receipts in overlapping transactions sees each exactly once', async () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
  let writing = true;
  const writer = async () => {
    for (let i = 0; i < 10; i += 1) {
      await t.db.transaction(async (trx) => {
        for (let j = 0; j < 1 + (i % 3); j += 1) {
          await writeReceipt(trx);
          await pause();
        }
      });
    }
  };
  const seen: number[] = [];
  const poller = async () => {
    let cursor: string | null = null;
    // One more round after the writers are done: what they committed last is served then.
    for (let last = false; ; last = !writing) {
      const page = await receiptsPage(t.db, cursors, { since: cursor, taskId: null, limit: 7 });
      if (!page.ok) throw new Error(page.error);
      seen.push(...page.receipts.map((r) => r.id));
      cursor = page.nextCursor;
      if (last && page.receipts.length === 0) return;
      await pause();
    }
  };
  const polling = poller();
  await Promise.all([writer(), writer(), writer(), writer()]);
  writing = false;
  await polling;
  const written = (await t.db('receipts').orderBy('id').pluck('id')) as number[];
  expect(written.length).toBe(4 * 19);
  expect(seen.length).toBe(written.length);
  expect([...seen].sort((a, b) => a - b)).toEqual(written);
});

test('a cursor of the id form keeps working: receipts above its id, then commit-order cursors', async () => {
  const ids = [await writeReceipt(t.db), await writeReceipt(t.db), await writeReceipt(t.db)];
  const old = cursors.encode({ afterId: ids[0], taskId: null });
  const page = await receiptsPage(t.db, cursors, { since: old, taskId: null, limit: 1 });
  expect(page.ok && page.receipts.map((r) => r.id)).toEqual([ids[1]]);
  const rest = await follow(page.ok ? page.nextCursor : null);
  expect(rest.ids).toEqual([ids[2]]);
  const newer = await writeReceipt(t.db);
  expect((await follow(rest.cursor)).ids).toEqual([newer]);
});
