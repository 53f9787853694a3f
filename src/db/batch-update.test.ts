/**
 * The batch-write seam on the engine under test: SQLite's per-row prepared statements (`npm test`) and PostgreSQL's
 * one `… FROM unnest(…)` statement (`npm run test:pg`) must answer alike.
 */
import { createTestDatabase, onPostgres, type TestDatabase } from '../../test/helpers/test-db';
import { insertRows, updateRows, updateRowsReturning } from './batch-update';

let t: TestDatabase;

beforeEach(async () => {
  t = await createTestDatabase({ migrated: false });
  await t.db.schema.createTable('items', (table) => {
    table.bigIncrements('id');
    table.string('code', 16).notNullable().unique();
    table.string('state', 16).notNullable();
    table.integer('n').notNullable().defaultTo(0);
  });
  await t.db('items').insert([
    { code: 'a', state: 'open' },
    { code: 'b', state: 'open' },
    { code: 'c', state: 'closed' },
  ]);
});
afterEach(() => t.drop());

const sent: string[] = [];
const listen = (q: { sql: string }) => sent.push(q.sql);

test('updateRows: each row by its id, only where the condition holds, one statement on PostgreSQL', async () => {
  sent.length = 0;
  t.db.on('query', listen);
  const changed = await t.db.transaction((trx) =>
    updateRows(trx, {
      table: 'items',
      columns: [{ name: 'id', pgType: 'bigint' }, { name: 'state', pgType: 'text' }],
      set: { state: 'v.state', n: 't.n + 1' },
      where: "t.state = 'open'",
      rows: [[1, 'sent'], [2, 'failed'], [3, 'sent']],
    }),
  );
  t.db.off('query', listen);
  expect(changed).toBe(2);
  expect(await t.db('items').orderBy('id').select('code', 'state', 'n')).toEqual([
    { code: 'a', state: 'sent', n: 1 },
    { code: 'b', state: 'failed', n: 1 },
    { code: 'c', state: 'closed', n: 0 },
  ]);
  expect(sent.filter((sql) => /^update items/i.test(sql))).toHaveLength(onPostgres() ? 1 : 0);
});

test('updateRowsReturning: by another key, in order, a repeated key changes once and answers undefined after', async () => {
  const answers = await t.db.transaction((trx) =>
    updateRowsReturning(
      trx,
      {
        table: 'items',
        key: 'code',
        columns: [{ name: 'code', pgType: 'text' }, { name: 'state', pgType: 'text' }],
        set: { state: 'v.state' },
        where: "t.state = 'open'",
        rows: [['b', 'first'], ['zz', 'none'], ['b', 'second'], ['c', 'closed-stays'], ['a', 'done']],
      },
      ['id', 'code'],
    ),
  );
  expect(answers.map((a) => (a ? { id: Number(a.id), code: a.code } : undefined))).toEqual([{ id: 2, code: 'b' }, undefined, undefined, undefined, { id: 1, code: 'a' }]);
  expect(await t.db('items').orderBy('id').pluck('state')).toEqual(['done', 'first', 'closed']);
});

test('insertRows: rows in, a conflict on the key skipped', async () => {
  const inserted = await t.db.transaction((trx) =>
    insertRows(trx, {
      table: 'items',
      columns: [{ name: 'code', pgType: 'text' }, { name: 'state', pgType: 'text' }],
      rows: [['d', 'open'], ['a', 'dup'], ['e', 'open']],
      skipConflictOn: ['code'],
    }),
  );
  expect(inserted).toBe(2);
  expect(await t.db('items').orderBy('code').pluck('state')).toEqual(['open', 'open', 'closed', 'open', 'open']);
});

test('on SQLite the rows run on the transaction\'s connection: outside a transaction they are refused, not run loose', async () => {
  if (onPostgres()) return;
  await t.db
    .transaction(async (trx) => {
      await trx.commit();
      await updateRows(trx, { table: 'items', columns: [{ name: 'id', pgType: 'bigint' }], set: { n: '7' }, rows: [[1]] });
    })
    .catch(() => undefined);
  expect(await t.db('items').where({ id: 1 }).first('n')).toEqual({ n: 0 });
});
