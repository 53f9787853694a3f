/** src/db/dialect.ts's PostgreSQL spellings give what the SQLite ones give (src/db/dialect.test.ts). */
import { containsIgnoringCase, jsonArrayRows, jsonTextValues, lastChars, rowsOf, zeroBytes } from '../../src/db/dialect';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});
afterAll(() => database.drop());

test('a JSON array of strings as rows, the last characters, a case-blind search', async () => {
  const { db } = database;
  const values = rowsOf<{ value: string }>(await db.raw(`select j.value from ${jsonTextValues(db)} order by j.value`, [JSON.stringify(['139', '138'])]));
  expect(values.map((r) => r.value)).toEqual(['138', '139']);
  expect(rowsOf<{ tail: string }>(await db.raw(`select ${lastChars(db, 'x', 4)} as tail from (select '13800138000' as x) s`))).toEqual([{ tail: '8000' }]);
  expect(rowsOf<{ hit: boolean }>(await db.raw(`select ${containsIgnoringCase(db, 'x')} as hit from (select 'Stop please' as x) s`, ['STOP']))).toEqual([{ hit: true }]);
});

test('a JSON array of arrays as rows, and zero bytes', async () => {
  const { db } = database;
  const rows = rowsOf<{ a: string; b: string }>(await db.raw(`select e.value ->> 0 as a, e.value ->> 1 as b from ${jsonArrayRows(db)}`, [JSON.stringify([['k1', 'c1']])]));
  expect(rows).toEqual([{ a: 'k1', b: 'c1' }]);
  const [{ n }] = rowsOf<{ n: number }>(await db.raw('select octet_length(?) as n', [zeroBytes(db, 1024)]));
  expect(n).toBe(1024);
});
