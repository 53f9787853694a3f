import { createDb, migrationConfig, type Db } from '../src/db/knex';
import { migrateUpTo } from '../test/helpers/migrations';

/**
 * Migrations 20–22 (issue 5) on a database that already holds a sent task: up and down keep every task, message
 * and receipt (a table rebuild of `tasks` inside a migration would cascade-delete them on SQLite), and up fills
 * the new total_chars of existing tasks.
 */
const BEFORE = '20261125000019_index_tasks_for_list.js';
const MINE = ['20261125000020_index_messages_for_details.js', '20261125000021_add_resend_of_to_tasks.js', '20261125000022_add_total_chars_to_tasks.js'];

let db: Db;

beforeEach(() => {
  db = createDb(':memory:');
});
afterEach(() => db.destroy());

const counts = async () =>
  Object.fromEntries(await Promise.all(['tasks', 'messages', 'receipts', 'task_invalid_rows'].map(async (table) => [table, Number((await db(table).count({ n: '*' }))[0].n)])));

test('up and down keep the data; up sums each task’s characters', async () => {
  await migrateUpTo(db, BEFORE);
  const now = new Date().toISOString();
  await db('users').insert({ username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now });
  for (const id of ['T1', 'T2']) {
    await db('tasks').insert({ id, status: 'completed', sms_type: 'notification', signature_text: 's', template_name: 't', template_content: 'c', source: 'manual', send_mode: 'now', created_by: 1, created_at: now, updated_at: now });
  }
  for (const chars of [30, 75]) {
    const [id] = await db('messages').insert({ task_id: 'T1', row_number: chars, phone: '13800138000', params: '[]', content: 'x', chars, segments: 1, status: 'delivered', submitted_at: now });
    await db('receipts').insert({ message_id: id, task_id: 'T1', phone: '13800138000', status: 'delivered', reported_at: now });
  }
  await db('task_invalid_rows').insert({ task_id: 'T1', row_number: 9, value: 'x', reason: 'phone_empty' });
  const before = await counts();
  expect(before).toEqual({ tasks: 2, messages: 2, receipts: 2, task_invalid_rows: 1 });

  await migrateUpTo(db, MINE[MINE.length - 1]);
  expect(await counts()).toEqual(before);
  expect(await db('tasks').orderBy('id').select('id', 'total_chars', 'resend_of')).toEqual([
    { id: 'T1', total_chars: 105, resend_of: null },
    { id: 'T2', total_chars: 0, resend_of: null },
  ]);

  for (const name of [...MINE].reverse()) {
    const [, undone] = (await db.migrate.down(migrationConfig)) as [number, string[]];
    expect(undone).toEqual([name]);
    expect(await counts()).toEqual(before);
  }
});

test('rolling back to the first dispatch migration keeps every task, message and receipt', async () => {
  await db.migrate.latest(migrationConfig);
  const now = new Date().toISOString();
  await db('users').insert({ username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now });
  await db('tasks').insert({ id: 'T1', status: 'completed', sms_type: 'notification', signature_text: 's', template_name: 't', template_content: 'c', source: 'manual', send_mode: 'now', created_by: 1, created_at: now, updated_at: now });
  const [id] = await db('messages').insert({ task_id: 'T1', row_number: 1, phone: '13800138000', params: '[]', content: 'x', chars: 1, segments: 1, status: 'delivered' });
  await db('receipts').insert({ message_id: id, task_id: 'T1', phone: '13800138000', status: 'delivered', reported_at: now });
  for (;;) {
    const [done] = (await db.migrate.list(migrationConfig)) as [{ name: string }[]];
    if (done[done.length - 1].name === '20261125000012_create_receipts.js') break;
    await db.migrate.down(migrationConfig);
    expect(await counts()).toEqual({ tasks: 1, messages: 1, receipts: 1, task_invalid_rows: 0 });
  }
});
