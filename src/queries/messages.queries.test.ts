import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { insertTaskRow } from '../../test/helpers/task-rows';
import { insertMessages, type NewMessage } from './messages.queries';

let t: TestApp;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

const task = () => insertTaskRow(t.db, { status: 'draft' });

const rows = (n: number): NewMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    row_number: i + 2,
    phone: `1380013${String(i).padStart(4, '0')}`,
    params: JSON.stringify([`张${i}`, `SF${i}`]),
    content: `【顺丰】尊敬的张${i}，您的订单SF${i}已发货。`,
    chars: 20 + (i % 7),
    segments: 1,
  }));

const stored = async (taskId: string) =>
  (await t.db('messages').where({ task_id: taskId }).orderBy('id')).map(({ id: _id, task_id: _task, ...rest }: Record<string, unknown>) => rest);

test('stores the rows in order exactly as the portable chunked knex insert does', async () => {
  const input = rows(250);
  const T1 = await task();
  const T2 = await task();
  await t.db.transaction((trx) => insertMessages(trx, T1, input));
  for (let i = 0; i < input.length; i += 100) {
    await t.db('messages').insert(input.slice(i, i + 100).map((r) => ({ ...r, task_id: T2, status: 'pending' })));
  }
  const fast = await stored(T1);
  expect(fast).toHaveLength(250);
  expect(fast).toEqual(await stored(T2));
  expect(fast[0]).toMatchObject({ row_number: 2, phone: '13800130000', status: 'pending', attempts: 0, chars: 20 });
});

test('inside a transaction the rows go with it: a later failure leaves none', async () => {
  const T1 = await task();
  await expect(
    t.db.transaction(async (trx) => {
      await insertMessages(trx, T1, rows(10));
      throw new Error('later step failed');
    }),
  ).rejects.toThrow('later step failed');
  expect(await stored(T1)).toHaveLength(0);
});

test('outside a transaction it is still all or nothing', async () => {
  const T1 = await task();
  const bad = rows(5);
  (bad[3] as { phone: unknown }).phone = null;
  // Not `rejects.toThrow`: better-sqlite3's native part keeps the SqliteError class of the first jest sandbox that
  // loaded it, so in another test file the error is not an `instanceof Error` of this realm.
  const failure = await insertMessages(t.db, T1, bad).then(() => undefined, (err: { message?: string }) => err);
  expect(failure?.message).toMatch(/NOT NULL|not-null constraint/);
  expect(await stored(T1)).toHaveLength(0);
  await insertMessages(t.db, T1, rows(5));
  expect(await stored(T1)).toHaveLength(5);
});

test('no rows, no query', async () => {
  await expect(insertMessages(t.db, 'T-none', [])).resolves.toBeUndefined();
});
