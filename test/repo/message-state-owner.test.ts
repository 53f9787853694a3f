/**
 * Message state has one owner (issue 13): only src/queries/message-transitions.queries.ts changes `messages.status`
 * or a task's message counter (`*_count`), each transition with its counter in the caller's transaction. A state
 * change written anywhere else could leave the counters (what every page shows, src/tasks/task-counts.ts) apart
 * from the rows. A textual guard over src/, as the audit log's (audit-append-only.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config';

const OWNER = path.join('src', 'queries', 'message-transitions.queries.ts');

/** Counters set when a draft is made (how many rows the file had): facts about the import, not message state. */
const DRAFT_COUNTERS = /\b(recipient_count|invalid_count)\b/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/**
 * The writes in `source` that change message state: a knex chain rooted at `messages` that updates `status`, one
 * rooted at `tasks` that updates or increments a counter, raw `update messages … set … status` / `update tasks …
 * set … _count`, or a batch update (src/db/batch-update.ts) of `messages` that sets `status`.
 */
function stateWrites(source: string): string[] {
  const found: string[] = [];
  const statements = source.split(';');
  for (const statement of statements) {
    const text = statement.replace(DRAFT_COUNTERS, '');
    const root = /\(\s*['"`](\w+)(?:\s+as\s+\w+)?['"`]\s*\)/.exec(text)?.[1];
    const write = /\.(update|increment|decrement)\s*\(([\s\S]*)$/.exec(text);
    if (write && root === 'messages' && /\bstatus\b/.test(write[2])) found.push(statement.trim());
    else if (write && root === 'tasks' && /_count\b/.test(write[2])) found.push(statement.trim());
    for (const raw of text.matchAll(/\bupdate\s+(\w+)(?:\s+as\s+\w+)?\s+set\b([\s\S]*?)(?:\bwhere\b|\bfrom\b|$)/gi)) {
      if ((raw[1] === 'messages' && /\bstatus\s*=/.test(raw[2])) || (raw[1] === 'tasks' && /_count\s*=/.test(raw[2]))) found.push(statement.trim());
    }
    if (/table:\s*['"`]messages['"`][\s\S]*\bset:\s*\{[^}]*\bstatus\b/.test(text)) found.push(statement.trim());
  }
  return found;
}

test('the guard finds each kind of state write, and leaves task-status and draft writes alone', () => {
  expect(stateWrites("await trx('messages').whereIn('id', ids).update({ status: 'sent' });")).toHaveLength(1);
  expect(stateWrites("await scope(trx('messages').where('task_id', id)).update({ next_attempt_at: null, status: 'cancelled' });")).toHaveLength(1);
  expect(stateWrites("await db('tasks').where({ id }).increment('delivered_count', 2);")).toHaveLength(1);
  expect(stateWrites("await db('tasks').where({ id }).increment({ cancelled_count: n, cancelled_chars: c });")).toHaveLength(1);
  expect(stateWrites('await db.raw("update messages set status = \'pending\' where id = ?", [1]);')).toHaveLength(1);
  expect(stateWrites('await db.raw("update tasks set failed_count = failed_count + 1 where id = ?", [t]);')).toHaveLength(1);
  expect(stateWrites("await updateRows(trx, { table: 'messages', columns: [], set: { status: \"'x'\" }, rows: [] });")).toHaveLength(1);
  // Task status, with a messages sub-query; a draft's row counts; other message columns.
  expect(stateWrites("await db('tasks').where({ id }).whereNotExists(db('messages').select('id')).update({ status: 'completed' });")).toEqual([]);
  expect(stateWrites("await db('tasks').where({ id }).update({ recipient_count: 3, invalid_count: 1 });")).toEqual([]);
  expect(stateWrites("await db('messages').where({ id }).update({ params: '[]' });")).toEqual([]);
});

test('only message-transitions.queries.ts changes message state or a task counter', () => {
  const writers = sourceFiles('src')
    .filter((rel) => rel !== OWNER)
    .flatMap((rel) => stateWrites(fs.readFileSync(path.join(ROOT_DIR, rel), 'utf8')).map((w) => `${rel}: ${w.slice(0, 160)}`));
  expect(writers).toEqual([]);
  // And the owner does write them: the guard would pass vacuously if its patterns stopped matching the real code.
  expect(stateWrites(fs.readFileSync(path.join(ROOT_DIR, OWNER), 'utf8')).length).toBeGreaterThanOrEqual(8);
});
