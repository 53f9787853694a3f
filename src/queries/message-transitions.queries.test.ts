import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { onPostgres } from '../../test/helpers/test-db';
import { insertTaskRow } from '../../test/helpers/task-rows';
import { taskCounts } from '../tasks/task-counts';
import { findTask } from './tasks.queries';
import type { MessageStatus } from './messages.queries';
import {
  applyReceipts,
  cancelMessages,
  deferMessages,
  failMessages,
  markSubmitting,
  recordBatchResults,
  resubmitUnanswered,
  skipMessages,
  type ReceiptTarget,
} from './message-transitions.queries';

let t: TestApp;
let taskId: string;
let ids: number[];
const NOW = '2026-12-06T06:00:00.000Z';
const MESSAGES = 14;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
  taskId = await insertTaskRow(t.db, { status: 'sending', recipients: MESSAGES });
  const rows = Array.from({ length: MESSAGES }, (_, i) => ({
    task_id: taskId, row_number: i + 1, phone: `138001380${String(i).padStart(2, '0')}`, params: '[]', content: 'x', chars: 1, segments: 1, status: 'pending',
  }));
  await t.db('messages').insert(rows);
  ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
});
afterEach(() => t.close());

/** The task's counts by status, from its counters through the one count function, and counted from its rows. */
async function countsBothWays(): Promise<{ fromCounters: Record<string, number>; fromRows: Record<string, number> }> {
  const rows = (await t.db('messages').where({ task_id: taskId }).groupBy('status').select('status').count({ n: '*' })) as { status: MessageStatus; n: number }[];
  const fromRows = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const task = (await findTask(t.db, taskId))!;
  const fromCounters = Object.fromEntries(Object.entries(taskCounts(task, fromRows.submitting ?? 0).byStatus).filter(([, n]) => n > 0));
  return { fromCounters, fromRows };
}

async function expectCountersEqualRows(expected: Partial<Record<MessageStatus, number>>): Promise<void> {
  const { fromCounters, fromRows } = await countsBothWays();
  expect(fromRows).toEqual(expected);
  expect(fromCounters).toEqual(fromRows);
}

const inTrx = <T>(fn: (trx: Parameters<Parameters<TestApp['db']['transaction']>[0]>[0]) => Promise<T>) => t.db.transaction(fn);

test('each transition keeps the counters equal to the rows', async () => {
  await expectCountersEqualRows({ pending: 14 });

  expect(await inTrx((trx) => markSubmitting(trx, ids.slice(0, 12)))).toBe(12);
  await expectCountersEqualRows({ pending: 2, submitting: 12 });
  expect(await t.db('messages').whereIn('id', ids.slice(0, 12)).pluck('attempts')).toEqual(Array(12).fill(1));

  await inTrx((trx) =>
    recordBatchResults(
      trx,
      taskId,
      [1, 2, 3, 4].map((i) => ({ id: ids[i - 1], carrierMessageId: `c${i}`, partIds: i === 4 ? ['c4', 'c4b'] : undefined })),
      [
        { id: ids[4], status: 'rejected', code: 'REJECTD', description: '' },
        { id: ids[5], status: 'unknown', code: 'SUBMIT_UNKNOWN', description: 'never answered' },
        // Already final: changes nothing, counts nothing.
        { id: ids[0], status: 'rejected', code: 'REJECTD', description: '' },
      ],
      NOW,
    ),
  );
  await expectCountersEqualRows({ pending: 2, submitting: 6, submitted: 4, rejected: 1, unknown: 1 });
  expect(await t.db('message_parts').where({ message_id: ids[3] }).orderBy('part_number').pluck('carrier_message_id')).toEqual(['c4', 'c4b']);

  expect(await inTrx((trx) => failMessages(trx, taskId, [ids[6]], 'RETRY_EXHAUSTED', 'THROTTLED', NOW))).toBe(1);
  await expectCountersEqualRows({ pending: 2, submitting: 5, submitted: 4, rejected: 1, unknown: 1, failed: 1 });

  await inTrx(async (trx) => {
    expect(await skipMessages(trx, taskId, [ids[7]], 'suppressed', NOW)).toBe(1);
    expect(await skipMessages(trx, taskId, [ids[8], ids[0]], 'capped', NOW)).toBe(1);
  });
  await expectCountersEqualRows({ pending: 2, submitting: 3, submitted: 4, rejected: 1, unknown: 1, failed: 1, suppressed: 1, capped: 1 });

  await inTrx((trx) => deferMessages(trx, taskId, [ids[9]], NOW));
  await expectCountersEqualRows({ pending: 3, submitting: 2, submitted: 4, rejected: 1, unknown: 1, failed: 1, suppressed: 1, capped: 1 });

  const receipt = (carrierMessageId: string, status: ReceiptTarget['status'], messageId: number | null = null): ReceiptTarget => ({
    messageId, carrierMessageId, status, code: status === 'delivered' ? 'DELIVRD' : 'UNDELIV', description: '', reportedAtIso: NOW,
  });
  expect(await inTrx((trx) => applyReceipts(trx, [receipt('c1', 'delivered'), receipt('c2', 'failed'), receipt('c1', 'failed'), receipt('c4b', 'delivered', ids[3])]))).toEqual([true, true, false, true]);
  await expectCountersEqualRows({ pending: 3, submitting: 2, submitted: 1, delivered: 2, rejected: 1, unknown: 1, failed: 2, suppressed: 1, capped: 1 });

  expect(await inTrx((trx) => resubmitUnanswered(trx, taskId))).toBe(2);
  await expectCountersEqualRows({ pending: 5, submitted: 1, delivered: 2, rejected: 1, unknown: 1, failed: 2, suppressed: 1, capped: 1 });

  expect(await inTrx((trx) => cancelMessages(trx, taskId, (q) => q.where('status', 'pending')))).toBe(5);
  await expectCountersEqualRows({ cancelled: 5, submitted: 1, delivered: 2, rejected: 1, unknown: 1, failed: 2, suppressed: 1, capped: 1 });
  expect(await t.db('tasks').where({ id: taskId }).first('cancelled_segments', 'cancelled_chars')).toEqual({ cancelled_segments: 5, cancelled_chars: 5 });

  // One feed row per message that reached a final outcome (not the skipped nor the cancelled).
  expect(Number((await t.db('receipts').where({ task_id: taskId }).count({ n: '*' }))[0].n)).toBe(2 + 1 + 1 + 2);
});

test('a batch deferred while its task was being stopped is cancelled and counted, not put back to pending', async () => {
  await inTrx((trx) => markSubmitting(trx, ids.slice(0, 3)));
  await t.db('tasks').where({ id: taskId }).update({ cancelled_at: NOW });
  await inTrx((trx) => deferMessages(trx, taskId, ids.slice(0, 3), NOW));
  await expectCountersEqualRows({ pending: 11, cancelled: 3 });
});

test('a batch of 2,000 results is recorded whole, as one statement on PostgreSQL or a prepared one per row on SQLite', async () => {
  const many = await t.db.transaction(async (trx) => {
    const taskMany = await insertTaskRow(trx, { status: 'sending', recipients: 2000 });
    for (let i = 0; i < 2000; i += 500) {
      await trx('messages').insert(Array.from({ length: 500 }, (_, j) => ({
        task_id: taskMany, row_number: i + j + 1, phone: '13800138000', params: '[]', content: 'x', chars: 1, segments: 1, status: 'pending',
      })));
    }
    return taskMany;
  });
  const manyIds = (await t.db('messages').where({ task_id: many }).orderBy('id').pluck('id')) as number[];
  await inTrx((trx) => markSubmitting(trx, manyIds));
  const sent: string[] = [];
  const listen = (q: { sql: string }) => sent.push(q.sql);
  t.db.on('query', listen);
  await inTrx((trx) => recordBatchResults(trx, many, manyIds.map((id) => ({ id, carrierMessageId: `m${id}` })), [], NOW));
  t.db.off('query', listen);
  // PostgreSQL: the 2,000 rows in one UPDATE … FROM unnest(…). SQLite: a prepared statement run per row on the
  // transaction's connection, which knex does not see.
  expect(sent.filter((sql) => /^update "?messages"?/i.test(sql))).toHaveLength(onPostgres() ? 1 : 0);
  expect(await t.db('messages').where({ task_id: many, status: 'submitted' }).count({ n: '*' })).toEqual([{ n: 2000 }]);
  expect(await t.db('messages').where({ id: manyIds[1999] }).first('carrier_message_id', 'submitted_at', 'attempts')).toEqual({ carrier_message_id: `m${manyIds[1999]}`, submitted_at: NOW, attempts: 1 });
  expect((await findTask(t.db, many))!.submittedCount).toBe(2000);
});
