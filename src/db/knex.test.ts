import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from './knex';

test('the database file, its WAL and its shared-memory file are private (0600), whatever the umask', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-db-'));
  const file = path.join(dir, 'a.sqlite');
  const umask = process.umask(0o022);
  const db = createDb(file);
  try {
    await db.schema.createTable('notes', (t) => t.text('body'));
    await db('notes').insert({ body: 'x' });
    expect(await db('notes').count({ n: '*' })).toEqual([{ n: 1 }]);
    for (const f of [file, file + '-wal', file + '-shm']) expect([f, (fs.statSync(f).mode & 0o777).toString(8)]).toEqual([f, '600']);
  } finally {
    process.umask(umask);
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
