import Database from 'better-sqlite3';
import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { onPostgres } from '../../test/helpers/test-db';
import { phones, seedTask } from '../../test/helpers/tasks';
import { claimDueTask } from '../queries/dispatch-claims.queries';
import { recordBatch, takeNextBatch, type BatchAnswers } from './dispatch-writes.service';

/**
 * The dispatcher's batch writes (issue 10). On SQLite the synchronous path of prepared statements must write what
 * the knex path writes, and hand over to it for what it does not do (an orphan receipt to adopt, the write lock
 * busy); on PostgreSQL (`npm run test:pg`) the knex path must answer alike.
 */
const sqliteOnly = onPostgres() ? test.skip : test;
let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ file: true });
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

const now = () => new Date().toISOString();

async function sendingTask(n: number): Promise<string> {
  const { taskId } = await seedTask(t.db, phones(n));
  expect((await claimDueTask(t.db, 'me:1', now(), 30_000))?.id).toBe(taskId);
  return taskId;
}

const answers = (accepted: BatchAnswers['accepted']): BatchAnswers => ({ accepted, finals: [], retryNow: [], retryLater: [], laterAt: '', nowIso: now() });

test('a batch is taken in id order, marked submitting with one attempt more (SQLite: with no knex query)', async () => {
  const taskId = await sendingTask(5);
  const queries: string[] = [];
  t.db.on('query', (q: { sql: string }) => queries.push(q.sql));
  const batch = (await takeNextBatch(t.db, taskId, 'me:1', 3, now(), 30_000))!;
  t.db.removeAllListeners('query');
  if (!onPostgres()) expect(queries).toEqual([]);
  const ids = (await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('id')) as number[];
  expect(batch.map((m) => m.id)).toEqual(ids.slice(0, 3));
  expect(batch.map((m) => m.attempts)).toEqual([1, 1, 1]);
  expect(batch[0].phone).toBe(phones(5)[0]);
  expect(await t.db('messages').where({ task_id: taskId }).orderBy('id').pluck('status')).toEqual(['submitting', 'submitting', 'submitting', 'pending', 'pending']);
  expect((await takeNextBatch(t.db, taskId, 'me:1', 3, now(), 30_000))!.map((m) => m.id)).toEqual(ids.slice(3));
  expect(await takeNextBatch(t.db, taskId, 'me:1', 3, now(), 30_000)).toEqual([]);
});

test('a lease that is not ours takes nothing', async () => {
  const taskId = await sendingTask(2);
  expect(await takeNextBatch(t.db, taskId, 'other:2', 10, now(), 30_000)).toBeNull();
  expect(await t.db('messages').where({ task_id: taskId, status: 'pending' }).count({ n: '*' })).toEqual([{ n: 2 }]);
});

test('a batch all accepted: submitted with its carrier ids, counted once, the parts of a long message kept', async () => {
  const taskId = await sendingTask(3);
  const batch = (await takeNextBatch(t.db, taskId, 'me:1', 3, now(), 30_000))!;
  await recordBatch(t.db, taskId, answers([
    { id: batch[0].id, carrierMessageId: 'c0' },
    { id: batch[1].id, carrierMessageId: 'c1a', partIds: ['c1a', 'c1b'] },
  ]));
  // Recorded twice (a retried write): only messages still `submitting` change, so nothing is counted again.
  await recordBatch(t.db, taskId, answers([{ id: batch[0].id, carrierMessageId: 'c0' }]));
  const rows = await t.db('messages').where({ task_id: taskId }).orderBy('id').select('status', 'carrier_message_id');
  expect(rows).toEqual([
    { status: 'submitted', carrier_message_id: 'c0' },
    { status: 'submitted', carrier_message_id: 'c1a' },
    { status: 'submitting', carrier_message_id: null },
  ]);
  expect((await t.db('tasks').where({ id: taskId }).first('submitted_count')).submitted_count).toBe(2);
  expect(await t.db('message_parts').where({ message_id: batch[1].id }).orderBy('part_number').pluck('carrier_message_id')).toEqual(['c1a', 'c1b']);
});

test('a receipt that came before the acceptance is adopted with it', async () => {
  const taskId = await sendingTask(1);
  const [m] = (await takeNextBatch(t.db, taskId, 'me:1', 1, now(), 30_000))!;
  await t.db('orphan_receipts').insert({ carrier_message_id: 'early', status: 'delivered', code: 'DELIVRD', description: '', reported_at: now(), received_at: now() });
  await recordBatch(t.db, taskId, answers([{ id: m.id, carrierMessageId: 'early' }]));
  expect(await t.db('messages').where({ id: m.id }).first('status', 'carrier_message_id')).toEqual({ status: 'delivered', carrier_message_id: 'early' });
  expect(await t.db('orphan_receipts').count({ n: '*' })).toEqual([{ n: 0 }]);
  expect(await t.db('tasks').where({ id: taskId }).first('submitted_count', 'delivered_count')).toEqual({ submitted_count: 1, delivered_count: 1 });
});

sqliteOnly('while another connection holds the write lock, the batch waits for it through knex and is then taken', async () => {
  const taskId = await sendingTask(2);
  const other = new Database(t.config.databaseFile);
  other.prepare('BEGIN IMMEDIATE').run();
  const taking = takeNextBatch(t.db, taskId, 'me:1', 10, now(), 30_000);
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await t.db('messages').where({ task_id: taskId, status: 'submitting' }).count({ n: '*' })).toEqual([{ n: 0 }]);
  other.prepare('COMMIT').run();
  other.close();
  expect((await taking)!.length).toBe(2);
  expect(await t.db('messages').where({ task_id: taskId, status: 'submitting' }).count({ n: '*' })).toEqual([{ n: 2 }]);
});
