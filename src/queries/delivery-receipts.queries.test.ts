import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { insertTaskRow } from '../../test/helpers/task-rows';
import { applyDeliveryReceipts as applyInTransaction, type ReceiptUpdate } from './delivery-receipts.queries';

let t: TestApp;
let T1: string;
let T2: string;
const NOW = '2026-11-25T06:00:00.000Z';

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  T1 = await insertTaskRow(t.db, { status: 'sending' });
  T2 = await insertTaskRow(t.db, { status: 'sending' });
  // T1 has c1..c3, T2 has c4..c5, all submitted.
  for (const [i, task] of [T1, T1, T1, T2, T2].entries()) {
    await t.db('messages').insert({
      task_id: task, row_number: i + 1, phone: `1380013800${i}`, params: '[]', content: 'x', chars: 1, segments: 1,
      status: 'submitted', carrier_message_id: `c${i + 1}`, submitted_at: NOW,
    });
  }
});
afterEach(() => t.close());

/** The query takes the caller's transaction (services own them). */
const applyDeliveryReceipts = (db: TestApp['db'], updates: readonly ReceiptUpdate[], nowIso: string) => db.transaction((trx) => applyInTransaction(trx, updates, nowIso));

const receipt = (id: string, status: ReceiptUpdate['status']): ReceiptUpdate => ({
  carrierMessageId: id, status, code: status === 'delivered' ? 'DELIVRD' : 'UNDELIV', description: '', reportedAtIso: NOW,
});

test('a batch across tasks: each message once, counters per task, one feed row per applied receipt, orphans kept', async () => {
  const ignored = await applyDeliveryReceipts(t.db, [
    receipt('c1', 'delivered'), receipt('c4', 'failed'), receipt('c2', 'failed'), receipt('c1', 'failed'),
    receipt('c5', 'delivered'), receipt('zz', 'delivered'), receipt('c3', 'delivered'),
  ], NOW);
  expect(ignored).toEqual(['c1']);
  expect(await t.db('tasks').orderBy('id').select('id', 'delivered_count', 'failed_count')).toEqual([
    { id: T1, delivered_count: 2, failed_count: 1 },
    { id: T2, delivered_count: 1, failed_count: 1 },
  ]);
  expect(await t.db('messages').orderBy('id').pluck('status')).toEqual(['delivered', 'failed', 'delivered', 'failed', 'delivered']);
  const feed = await t.db('receipts as r').join('messages as m', 'm.id', 'r.message_id').orderBy('r.id').select('r.task_id', 'm.carrier_message_id', 'r.status');
  expect(feed.map((r) => [r.task_id, r.carrier_message_id, r.status]).sort()).toEqual([
    [T1, 'c1', 'delivered'], [T1, 'c2', 'failed'], [T1, 'c3', 'delivered'], [T2, 'c4', 'failed'], [T2, 'c5', 'delivered'],
  ]);
  expect(await t.db('orphan_receipts').pluck('carrier_message_id')).toEqual(['zz']);
  // The same batch again changes nothing.
  expect((await applyDeliveryReceipts(t.db, [receipt('c1', 'failed'), receipt('c4', 'delivered')], NOW)).sort()).toEqual(['c1', 'c4']);
  expect(await t.db('receipts').count({ n: '*' })).toEqual([{ n: 5 }]);
});
