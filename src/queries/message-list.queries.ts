import type { Knex } from 'knex';
import type { MessageRow } from './messages.queries';
import { isPostgres, isSqlite, lastChars } from '../db/dialect';

/**
 * One task's messages as the details page and its exports list them: filtered by phone (exact or prefix), status
 * and receipt code, in message-id order, paged by keyset (`id > after` / `id < before`, never OFFSET).
 *
 * Every query names its index (SQLite's INDEXED BY) instead of leaving the choice to the planner: without
 * statistics (the app never runs ANALYZE) the planner guesses, and one wrong guess on a 1,000,000-message task
 * costs a sort of the whole task (0.1 s) or a scan of it (0.25 s) instead of well under a millisecond.
 */

export interface MessageFilter {
  taskId: string;
  /** A whole number: served by (task_id, phone), whose rows come in id order. */
  phone?: string;
  /** First digits of the number. */
  phonePrefix?: string;
  /** Last digits of the number (at least PHONE_TAIL_LENGTH of them). */
  phoneSuffix?: string;
  status?: string;
  code?: string;
}

export interface MessageListRow extends MessageRow {
  submittedAt: string | null;
  reportedAt: string | null;
  code: string | null;
  description: string | null;
}

export const MESSAGE_INDEX = {
  id: 'messages_task_id_id_index',
  status: 'messages_task_id_status_id_index',
  code: 'messages_task_id_code_id_index',
  phone: 'messages_task_id_phone_index',
  tail: 'messages_task_id_phone_tail_index',
} as const;

/**
 * (task_id, substr(phone, -4)) is an index on an expression (migration 70): a search by last digits reads only the
 * numbers sharing the last four, about one in ten thousand, then compares the rest of the digits. The SQL text of
 * the expression must match the index's exactly for SQLite to use it.
 */
export const PHONE_TAIL_LENGTH = 4;

function whereSuffix(db: Knex, q: Knex.QueryBuilder, digits: string): Knex.QueryBuilder {
  q.whereRaw(`${lastChars(db, 'phone', PHONE_TAIL_LENGTH)} = ?`, [digits.slice(-PHONE_TAIL_LENGTH)]);
  if (digits.length > PHONE_TAIL_LENGTH) q.whereRaw(`${lastChars(db, 'phone', digits.length)} = ?`, [digits]);
  return q;
}
export type MessageIndex = (typeof MESSAGE_INDEX)[keyof typeof MESSAGE_INDEX];
const INDEX = MESSAGE_INDEX;

/**
 * A prefix matching at most this many of the task's numbers is read from (task_id, phone) and sorted by id (a few
 * milliseconds); a wider one is found by walking the task in id order, where matches are then frequent enough
 * that a page fills after a few thousand rows.
 */
export const PREFIX_SORT_LIMIT = 10_000;

const COLUMNS = ['id', 'row_number', 'phone', 'params', 'content', 'chars', 'segments', 'status', 'submitted_at', 'reported_at', 'code', 'description'];

/** `messages` read through the named index (the hint only on SQLite, the app's database). */
export function messagesUsing(db: Knex, index: MessageIndex): Knex.QueryBuilder {
  return isSqlite(db) ? db.from(db.raw(`messages indexed by ${index}`)) : db('messages');
}

/** Every number starting with the digits sorts between them and the digits followed by ':' (after '9'). */
function prefixRange(digits: string): [string, string] {
  return [digits, `${digits}:`];
}

function applyFilter(db: Knex, q: Knex.QueryBuilder, f: MessageFilter): Knex.QueryBuilder {
  q.where('task_id', f.taskId);
  if (f.phone !== undefined) q.where('phone', f.phone);
  if (f.phonePrefix !== undefined) {
    const [low, high] = prefixRange(f.phonePrefix);
    q.where('phone', '>=', low).where('phone', '<', high);
  }
  if (f.phoneSuffix !== undefined) whereSuffix(db, q, f.phoneSuffix);
  if (f.status !== undefined) q.where('status', f.status);
  if (f.code !== undefined) q.where('code', f.code);
  return q;
}

/** The index for the filter; a prefix needs one probe of (task_id, phone) to know how wide it is. */
export async function chooseIndex(db: Knex, f: MessageFilter): Promise<MessageIndex> {
  if (f.phone !== undefined) return INDEX.phone;
  if (f.phoneSuffix !== undefined) return INDEX.tail;
  if (f.phonePrefix !== undefined) {
    const [low, high] = prefixRange(f.phonePrefix);
    const probe = messagesUsing(db, INDEX.phone).where('task_id', f.taskId).where('phone', '>=', low).where('phone', '<', high).select(db.raw('1')).limit(PREFIX_SORT_LIMIT + 1);
    const [{ n }] = (await db.from(probe.as('p')).count({ n: '*' })) as { n: number }[];
    if (Number(n) <= PREFIX_SORT_LIMIT) return INDEX.phone;
  }
  if (f.code !== undefined) return INDEX.code;
  if (f.status !== undefined) return INDEX.status;
  return INDEX.id;
}

const toRow = (r: Record<string, unknown>): MessageListRow => ({
  id: r.id as number,
  rowNumber: r.row_number as number,
  phone: r.phone as string,
  params: JSON.parse(r.params as string) as string[],
  content: r.content as string,
  chars: r.chars as number,
  segments: r.segments as number,
  status: r.status as string,
  submittedAt: (r.submitted_at as string) ?? null,
  reportedAt: (r.reported_at as string) ?? null,
  code: (r.code as string) ?? null,
  description: (r.description as string) ?? null,
});

export interface Cursor {
  after?: number;
  before?: number;
}

/**
 * Up to `limit` messages after (or before) the cursor, in id order, plus whether more lie beyond them in the
 * direction read. `index` may be given when the caller already chose it for this filter.
 */
export async function listMessages(
  db: Knex,
  f: MessageFilter,
  cursor: Cursor,
  limit: number,
  index?: MessageIndex,
): Promise<{ rows: MessageListRow[]; more: boolean }> {
  const backwards = cursor.before !== undefined;
  const chosen = index ?? (await chooseIndex(db, f));
  const order = backwards ? 'desc' : 'asc';
  // PostgreSQL has no INDEXED BY. Reading a task in id order, its planner walks the primary key from the table's
  // first message and filters out every older task's (27–56 ms for the first page of a task 200,000 rows in); from
  // the task's first id (one probe of (task_id, id)) the walk starts where the task does. A narrow phone range
  // (PREFIX_SORT_LIMIT) is meant to be read whole from (task_id, phone) and sorted, where the planner walked the
  // primary key too (30 ms): a materialized CTE makes it read the range first.
  const fromFirst = isPostgres(db) && chosen === INDEX.id && !backwards && cursor.after === undefined;
  const rangeFirst = isPostgres(db) && chosen === INDEX.phone;
  const filtered = applyFilter(db, messagesUsing(db, chosen), f).select(COLUMNS);
  if (cursor.after !== undefined) filtered.where('id', '>', cursor.after);
  if (backwards) filtered.where('id', '<', cursor.before!);
  if (fromFirst) filtered.where('id', '>=', db('messages').where('task_id', f.taskId).min('id'));
  const q = (rangeFirst ? db.withMaterialized('m', filtered).from('m').select(COLUMNS) : filtered).orderBy('id', order).limit(limit + 1);
  const rows = ((await q) as Record<string, unknown>[]).map(toRow);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return { rows: backwards ? page.reverse() : page, more };
}

/**
 * A filtered count, bounded in work at any task size: `exact`; `moreThan` when a single filter's index range holds
 * more than the cap (an index-only count still costs 50 ms per million); `atLeast` when several filters each
 * match many rows and only the first part of the narrowest one was checked against the others.
 */
export interface FilteredCount {
  count: number;
  bound: 'exact' | 'moreThan' | 'atLeast';
}

/** Rows checked one by one (a table lookup each) when several filters combine: a few milliseconds. */
export const COMBINED_SCAN_LIMIT = 5_000;

interface Driver {
  index: MessageIndex;
  /** The conditions this index answers by itself. */
  own: (q: Knex.QueryBuilder) => Knex.QueryBuilder;
}

function drivers(db: Knex, f: MessageFilter): Driver[] {
  const out: Driver[] = [];
  if (f.phone !== undefined) out.push({ index: INDEX.phone, own: (q) => q.where('phone', f.phone!) });
  if (f.phonePrefix !== undefined) {
    const [low, high] = prefixRange(f.phonePrefix);
    out.push({ index: INDEX.phone, own: (q) => q.where('phone', '>=', low).where('phone', '<', high) });
  }
  if (f.phoneSuffix !== undefined) out.push({ index: INDEX.tail, own: (q) => whereSuffix(db, q, f.phoneSuffix!) });
  if (f.status !== undefined) out.push({ index: INDEX.status, own: (q) => q.where('status', f.status!) });
  if (f.code !== undefined) out.push({ index: INDEX.code, own: (q) => q.where('code', f.code!) });
  return out;
}

async function countOf(db: Knex, inner: Knex.QueryBuilder, residual?: MessageFilter): Promise<number> {
  const outer = db.from(inner.as('m'));
  if (residual) applyFilter(db, outer, residual);
  const [{ n }] = (await outer.count({ n: '*' })) as { n: number }[];
  return Number(n);
}

/** Index-only: how many rows the driver's range holds, counting at most `cap` + 1. */
function rangeCount(db: Knex, taskId: string, d: Driver, cap: number): Promise<number> {
  return countOf(db, d.own(messagesUsing(db, d.index).where('task_id', taskId)).select(db.raw('1')).limit(cap + 1));
}

export async function countMessages(db: Knex, f: MessageFilter, cap: number, scanLimit = COMBINED_SCAN_LIMIT): Promise<FilteredCount> {
  const ds = drivers(db, f);
  if (ds.length <= 1) {
    const d = ds[0] ?? { index: INDEX.id, own: (q: Knex.QueryBuilder) => q };
    const n = await rangeCount(db, f.taskId, d, cap);
    return n > cap ? { count: cap, bound: 'moreThan' } : { count: n, bound: 'exact' };
  }
  // Several filters: walk the narrowest one's index range and check the others on each row it holds.
  const sizes: number[] = [];
  for (const d of ds) sizes.push(await rangeCount(db, f.taskId, d, scanLimit));
  const narrowest = ds[sizes.indexOf(Math.min(...sizes))];
  const walked = narrowest
    .own(messagesUsing(db, narrowest.index).where('task_id', f.taskId))
    .select('task_id', 'phone', 'status', 'code')
    .limit(scanLimit);
  const n = await countOf(db, walked, f);
  return Math.min(...sizes) <= scanLimit ? { count: n, bound: 'exact' } : { count: n, bound: 'atLeast' };
}

/**
 * A phone prefix alone (the search box's usual case): one capped count of its (task_id, phone) range gives both the
 * filtered count and the index chooseIndex would pick (the narrow side of PREFIX_SORT_LIMIT reads that range), so
 * the page does not count the same range twice. Undefined for any other filter.
 */
export async function prefixPlan(db: Knex, f: MessageFilter, cap: number): Promise<{ index: MessageIndex; count: FilteredCount } | undefined> {
  if (f.phonePrefix === undefined || f.phone !== undefined || f.status !== undefined || f.code !== undefined) return undefined;
  const [d] = drivers(db, f);
  const n = await rangeCount(db, f.taskId, d, Math.max(cap, PREFIX_SORT_LIMIT));
  return {
    index: n <= PREFIX_SORT_LIMIT ? INDEX.phone : INDEX.id,
    count: n > cap ? { count: cap, bound: 'moreThan' } : { count: n, bound: 'exact' },
  };
}

/** Every matching message in id order, read `batch` at a time by keyset: the export streams these. */
export async function* streamMessages(db: Knex, f: MessageFilter, batch = 1000): AsyncGenerator<MessageListRow[]> {
  const index = await chooseIndex(db, f);
  let after: number | undefined;
  for (;;) {
    const { rows, more } = await listMessages(db, f, { after }, batch, index);
    if (rows.length > 0) yield rows;
    if (!more) return;
    after = rows[rows.length - 1].id;
  }
}

/** False once the retention job removed the task's message rows (its totals stay on the task). */
export async function hasMessages(db: Knex, taskId: string): Promise<boolean> {
  return (await messagesUsing(db, INDEX.id).where('task_id', taskId).first('id')) !== undefined;
}
