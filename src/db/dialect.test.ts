import { createDb } from './knex';
import { jsonTextValues, rowsOf, lastChars, containsIgnoringCase } from './dialect';

// The SQLite spellings, run; the PostgreSQL ones run under `npm run test:pg` in the query tests that use them.
test('SQLite: a JSON array of strings as rows, the last characters, a case-blind search', async () => {
  const db = createDb(':memory:');
  try {
    const values = rowsOf<{ value: string }>(await db.raw(`select j.value from ${jsonTextValues(db)} order by j.value`, [JSON.stringify(['139', '138'])]));
    expect(values.map((r) => r.value)).toEqual(['138', '139']);
    expect(rowsOf<{ tail: string }>(await db.raw(`select ${lastChars(db, 'x', 4)} as tail from (select '13800138000' as x)`))).toEqual([{ tail: '8000' }]);
    expect(rowsOf<{ hit: number }>(await db.raw(`select ${containsIgnoringCase(db, 'x')} as hit from (select 'Stop please' as x)`, ['STOP']))).toEqual([{ hit: 1 }]);
  } finally {
    await db.destroy();
  }
});
