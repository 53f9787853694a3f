import { createDb, migrateLatest, type Db } from '../db/knex';
import { countTaskList, hasTaskOlderThan, listTaskPage, type TaskListCursor, type TaskListFilter } from './task-list.queries';

/**
 * Every query of the task list goes through an index (migrations 18 and 19): the plan SQLite chooses for each
 * filter, with and without a keyset cursor, and for its count, never reads the tasks or messages table whole.
 */
let db: Db;
const plans: { sql: string; plan: string[] }[] = [];

beforeAll(async () => {
  db = createDb(':memory:');
  await migrateLatest(db);
  const now = new Date().toISOString();
  await db('users').insert({ username: 'ann', password_hash: 'x', role: 'member', created_at: now, updated_at: now });
});
afterAll(() => db.destroy());

/** Runs `run` and records the plan of each statement it sent. */
async function planOf(run: () => Promise<unknown>): Promise<void> {
  const sent: { sql: string; bindings: unknown[] }[] = [];
  const listener = (q: { sql: string; bindings: unknown[] }) => sent.push(q);
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.removeListener('query', listener);
  }
  for (const q of sent) {
    const rows = (await db.raw(`EXPLAIN QUERY PLAN ${q.sql}`, q.bindings as never[])) as { detail: string }[];
    plans.push({ sql: q.sql, plan: rows.map((r) => r.detail) });
  }
}

const FILTERS: [string, TaskListFilter][] = [
  ['no filter', {}],
  ['status', { status: 'sending' }],
  ['SMS type', { smsType: 'marketing' }],
  ['signature', { signatureId: 1 }],
  ['template', { templateId: 1 }],
  ['created by', { createdBy: 1 }],
  ['sending time range', { sendFrom: '2026-11-01T00:00:00.000Z', sendTo: '2026-11-02T00:00:00.000Z' }],
  ['task id prefix', { idPrefix: 'T2611' }],
  ['phone', { phone: '13800138000' }],
  ['phone and status', { phone: '13800138000', status: 'completed' }],
];
const CURSORS: TaskListCursor[] = [{}, { after: 'T2611250001' }, { before: 'T2611250001' }];

test.each(FILTERS)('%s: the pages (both directions) and the count use an index', async (_name, filter) => {
  plans.length = 0;
  for (const cursor of CURSORS) await planOf(() => listTaskPage(db, filter, cursor, 21));
  await planOf(() => hasTaskOlderThan(db, filter, 'T2611250001'));
  await planOf(() => countTaskList(db, filter));
  expect(plans).toHaveLength(5);
  for (const { sql, plan } of plans) {
    // "SCAN tasks USING INDEX …" is the id index walked in order until the LIMIT; a bare "SCAN tasks" reads the table.
    const fullScans = plan.filter((line) => /^SCAN (tasks|messages)\b/.test(line) && !/USING (COVERING )?INDEX/.test(line));
    expect({ sql, fullScans }).toEqual({ sql, fullScans: [] });
    expect({ sql, messagesScanned: plan.some((line) => /^SCAN messages/.test(line)) }).toEqual({ sql, messagesScanned: false });
  }
});

test("the phone search probes each task's messages through (task_id, phone) alone", async () => {
  plans.length = 0;
  await planOf(() => listTaskPage(db, { phone: '13800138000' }, {}, 21));
  await planOf(() => listTaskPage(db, { phonePrefix: '138' }, {}, 21));
  expect(plans[0].plan).toContain('SEARCH messages EXISTS USING COVERING INDEX messages_task_id_phone_index (task_id=? AND phone=?)');
  expect(plans[1].plan).toContain('SEARCH messages EXISTS USING COVERING INDEX messages_task_id_phone_index (task_id=? AND phone>? AND phone<?)');
});

test('a status filter pages in (status, id) order without sorting', async () => {
  plans.length = 0;
  await planOf(() => listTaskPage(db, { status: 'completed' }, { after: 'T2611250001' }, 21));
  expect(plans[0].plan).toEqual(['SEARCH tasks USING INDEX tasks_list_status_id_index (status=? AND id<?)']);
});
