import { createDb, migrationConfig, type Db } from '../src/db/knex';
import { migrateUpTo } from '../test/helpers/migrations';

/**
 * Migration 23 on a database that already holds a draft (its recipients as message rows) and a confirmed task: up
 * moves only the draft's rows into draft_recipients, in order; down puts them back as they were.
 */
const BEFORE = '20261125000022_add_total_chars_to_tasks.js';
const MINE = '20261125000023_create_draft_recipients.js';
const COLUMNS = ['row_number', 'phone', 'params', 'content', 'chars', 'segments', 'status'];

let db: Db;

beforeEach(() => {
  db = createDb(':memory:');
});
afterEach(() => db.destroy());

const messagesOf = (taskId: string) => db('messages').where({ task_id: taskId }).orderBy('id').select(COLUMNS);

test('up moves a draft’s messages into chunks in file order and leaves confirmed tasks alone; down moves them back', async () => {
  await migrateUpTo(db, BEFORE);
  const now = new Date().toISOString();
  await db('users').insert({ username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now });
  for (const [id, status] of [['T1', 'draft'], ['T2', 'scheduled']]) {
    await db('tasks').insert({ id, status, sms_type: 'notification', signature_text: 's', template_name: 't', template_content: 'c', source: 'import', send_mode: 'now', created_by: 1, created_at: now, updated_at: now });
  }
  const rows = Array.from({ length: 6_001 }, (_, i) => ({
    task_id: 'T1', row_number: i + 2, phone: `1380013${String(i).padStart(4, '0')}`, params: JSON.stringify([`"${i}"`]), content: `您好"${i}"`, chars: 10 + (i % 5), segments: 1, status: 'pending',
  }));
  for (let i = 0; i < rows.length; i += 100) await db('messages').insert(rows.slice(i, i + 100));
  await db('messages').insert({ task_id: 'T2', row_number: 1, phone: '13900139000', params: '[]', content: 'x', chars: 1, segments: 1, status: 'pending' });
  const draftBefore = await messagesOf('T1');
  const sentBefore = await messagesOf('T2');

  await migrateUpTo(db, MINE);
  expect(await messagesOf('T1')).toEqual([]);
  expect(await messagesOf('T2')).toEqual(sentBefore);
  const chunks = await db('draft_recipients').where({ task_id: 'T1' }).orderBy('chunk').select('chunk', 'rows');
  expect(chunks.map((c) => c.chunk)).toEqual([0, 1]);
  const packed = chunks.flatMap((c) => JSON.parse((c.rows as Buffer).toString('utf8')) as unknown[][]);
  expect(packed).toEqual(draftBefore.map((r) => [r.row_number, r.phone, JSON.parse(r.params), r.content, r.chars, r.segments]));

  const [, undone] = (await db.migrate.down(migrationConfig)) as [number, string[]];
  expect(undone).toEqual([MINE]);
  expect(await messagesOf('T1')).toEqual(draftBefore);
  expect(await messagesOf('T2')).toEqual(sentBefore);
  expect(await db.schema.hasTable('draft_recipients')).toBe(false);
});
