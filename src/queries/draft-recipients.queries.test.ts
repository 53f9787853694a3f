import { onPostgres } from '../../test/helpers/test-db';
import { makeTestApp, addUser, type TestApp } from '../../test/helpers/app';
import { insertTaskRow } from '../../test/helpers/task-rows';
import { draftRecipientChunks, firstDraftRecipient, insertDraftRecipients, moveDraftRecipients } from './draft-recipients.queries';
import { withMoveCache } from './draft-recipients.sqlite.queries';
import type { NewMessage } from './messages.queries';
import { packRecipients } from '../drafts/recipient-chunks';
import type { ValidRecipient } from '../sms/recipient-check';

let t: TestApp;

beforeEach(async () => {
  t = await makeTestApp();
  await addUser(t.db, 'admin', 'admin');
});
afterEach(() => t.close());

const draft = () => insertTaskRow(t.db, { status: 'draft' });

// Row numbers with gaps (invalid rows left out), quotes, commas and emoji in the values.
const valid = (n: number): ValidRecipient[] =>
  Array.from({ length: n }, (_, i) => ({
    rowNumber: i * 2 + 1,
    phone: `1380013${String(i).padStart(4, '0')}`,
    params: [`张"${i}"`, `SF,${i}😀`],
    message: `【顺丰】尊敬的张"${i}"，您的订单SF,${i}😀已发货。`,
    chars: 20 + (i % 7),
    segments: 1 + (i % 3),
  }));

/** What each becomes as a message row. */
const asMessages = (list: readonly ValidRecipient[]): NewMessage[] =>
  list.map((r) => ({ row_number: r.rowNumber, phone: r.phone, params: JSON.stringify(r.params), content: r.message, chars: r.chars, segments: r.segments }));

const store = (taskId: string, list: readonly ValidRecipient[]) => insertDraftRecipients(t.db, taskId, packRecipients(list).chunks);

async function all(taskId: string): Promise<NewMessage[]> {
  const out: NewMessage[] = [];
  for await (const chunk of draftRecipientChunks(t.db, taskId)) out.push(...chunk);
  return out;
}

test('12,345 recipients go into 3 chunks and come back in file order with every value intact', async () => {
  const input = valid(12_345);
  const T1 = await draft();
  await store(T1, input);
  expect(await t.db('draft_recipients').where({ task_id: T1 }).orderBy('chunk').pluck('chunk')).toEqual([0, 1, 2]);
  expect(await all(T1)).toEqual(asMessages(input));
  expect(await firstDraftRecipient(t.db, T1)).toEqual({
    rowNumber: 1, phone: '13800130000', params: ['张"0"', 'SF,0😀'], content: input[0].message, chars: 20, segments: 1,
  });
  expect(await t.db('messages').count({ n: '*' })).toEqual([{ n: 0 }]);
});

test('moving puts them into messages as pending, in file order, and empties the draft; other drafts are untouched', async () => {
  const input = valid(7_001);
  const T1 = await draft();
  const T2 = await draft();
  await store(T1, input);
  await store(T2, valid(3));
  expect(await t.db.transaction((trx) => moveDraftRecipients(trx, T1))).toBe(7_001);
  const stored = await t.db('messages').where({ task_id: T1 }).orderBy('id').select('row_number', 'phone', 'params', 'content', 'chars', 'segments', 'status');
  expect(stored).toEqual(asMessages(input).map((r) => ({ ...r, status: 'pending' })));
  expect(await all(T1)).toEqual([]);
  expect(await all(T2)).toEqual(asMessages(valid(3)));
  // A second move finds nothing to move.
  expect(await t.db.transaction((trx) => moveDraftRecipients(trx, T1))).toBe(0);
  expect(await t.db('messages').where({ task_id: T1 }).count({ n: '*' })).toEqual([{ n: 7_001 }]);
});

test('a draft with no recipients has no chunks and no first recipient', async () => {
  const T1 = await draft();
  await store(T1, []);
  expect(await all(T1)).toEqual([]);
  expect(await firstDraftRecipient(t.db, T1)).toBeUndefined();
});

test('deleting the draft deletes its recipients (foreign key cascade)', async () => {
  const T1 = await draft();
  await store(T1, valid(10));
  await t.db('tasks').where({ id: T1 }).delete();
  expect(await t.db('draft_recipients').count({ n: '*' })).toEqual([{ n: 0 }]);
});

test('the move (INSERT … SELECT through json_each on SQLite) keeps every parameter text exactly as JSON.stringify wrote it', async () => {
  const odd = ['back\\slash', 'line\nbreak', 'bell\u0007', '"quoted"', 'sep\u2028arator', '</script>', '', ' 12 ', '😀中文', '\\u0041'];
  const input: ValidRecipient[] = odd.map((param, i) => ({
    rowNumber: i + 2,
    phone: `1390013${String(i).padStart(4, '0')}`,
    params: [param, String(i)],
    message: `m${i}`,
    chars: 2,
    segments: 1,
  }));
  const T1 = await draft();
  await store(T1, input);
  expect(await t.db.transaction((trx) => moveDraftRecipients(trx, T1))).toBe(odd.length);
  const stored = await t.db('messages').where({ task_id: T1 }).orderBy('id').select('row_number', 'phone', 'params', 'content', 'chars', 'segments');
  expect(stored).toEqual(asMessages(input));
  expect(stored.map((r) => JSON.parse(r.params as string)[0])).toEqual(odd);
});

// SQLite's page cache (a PRAGMA): PostgreSQL has none to set per connection.
(onPostgres() ? test.skip : test)('a big move runs with a bigger page cache and gives the connection its own back', async () => {
  const sizes = await t.db.transaction(async (trx) => {
    const before = ((await trx.raw('PRAGMA cache_size')) as { cache_size: number }[])[0].cache_size;
    const inside = await withMoveCache(trx, 41, async () => ((await trx.raw('PRAGMA cache_size')) as { cache_size: number }[])[0].cache_size);
    const small = await withMoveCache(trx, 40, async () => ((await trx.raw('PRAGMA cache_size')) as { cache_size: number }[])[0].cache_size);
    const after = ((await trx.raw('PRAGMA cache_size')) as { cache_size: number }[])[0].cache_size;
    return { before, inside, small, after };
  });
  expect(sizes.inside).toBe(-131_072);
  expect(sizes.small).toBe(sizes.before);
  expect(sizes.after).toBe(sizes.before);
});
