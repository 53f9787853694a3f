import { createDb, migrationConfig, type Db } from '../src/db/knex';
import { migrateUpTo } from '../test/helpers/migrations';

/** Migration 20261204000040 (issue 9): up counts, for tasks sent before it, the failures the carrier never accepted. */
const BEFORE = '20261125000024_partial_indexes_for_unsent_messages.js';
const MINE = '20261204000040_add_unsent_failed_count_to_tasks.js';

let db: Db;
beforeEach(() => {
  db = createDb(':memory:');
});
afterEach(() => db.destroy());

test('up fills the counter from the messages; down removes it and keeps the data', async () => {
  await migrateUpTo(db, BEFORE);
  const now = new Date().toISOString();
  await db('users').insert({ username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now });
  for (const id of ['T1', 'T2']) {
    await db('tasks').insert({ id, status: 'sending', sms_type: 'notification', signature_text: 's', template_name: 't', template_content: 'c', source: 'manual', send_mode: 'now', created_by: 1, created_at: now, updated_at: now });
  }
  const message = (row: number, status: string, carrierId: string | null) =>
    ({ task_id: 'T1', row_number: row, phone: '13800138000', params: '[]', content: 'x', chars: 1, segments: 1, status, carrier_message_id: carrierId });
  await db('messages').insert([message(1, 'failed', null), message(2, 'failed', null), message(3, 'failed', 'c3'), message(4, 'delivered', 'c4'), message(5, 'pending', null)]);

  await migrateUpTo(db, MINE);
  expect(await db('tasks').orderBy('id').select('id', 'unsent_failed_count')).toEqual([
    { id: 'T1', unsent_failed_count: 2 },
    { id: 'T2', unsent_failed_count: 0 },
  ]);

  for (;;) {
    const [, undone] = (await db.migrate.down(migrationConfig)) as [number, string[]];
    if (undone.includes(MINE) || undone.length === 0) break;
  }
  expect((await db.raw('pragma table_info(tasks)')).map((c: { name: string }) => c.name)).not.toContain('unsent_failed_count');
  expect(Number((await db('messages').count({ n: '*' }))[0].n)).toBe(5);
});
