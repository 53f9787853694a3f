/**
 * The floor of the pages suite: the rows a page shows (and the count it prints, when that costs a query), fetched
 * by raw better-sqlite3 prepared statements on a connection of its own to the same file, with the app's pragmas.
 * Each statement mirrors the app's query (src/queries/task-list.queries.ts, message-list.queries.ts): same WHERE,
 * ORDER BY and LIMIT, and on messages the same INDEXED BY as the app names. Not in the floor: the session and
 * user lookup, settings, the filter options and resend lists, HTML rendering, HTTP — what the page adds.
 */
import Database from 'better-sqlite3';
import { MESSAGE_INDEX, PREFIX_SORT_LIMIT, type MessageIndex } from '../../src/queries/message-list.queries';
import { FILTERED_COUNT_CAP, MESSAGE_PAGE_SIZE } from '../../src/services/task-detail.service';
import { DEFAULT_PAGE_SIZE } from '../../src/validators/task-list.validators';

export interface FloorQuery {
  label: string;
  sql: string;
  params: unknown[];
}

const LIST_COLUMNS =
  'id, status, sms_type, signature_text, template_name, template_content, send_mode, send_at, recipient_count, created_by, cancelled_at, submitted_count, delivered_count, failed_count, rejected_count, cancelled_count';
const MESSAGE_COLUMNS = 'id, row_number, phone, params, content, chars, segments, status, submitted_at, reported_at, code, description';

/** The SQL knex sent for a request, as raw statements (bindings as knex's better-sqlite3 client passes them). */
export function replayOf(queries: readonly { sql: string; bindings: unknown[] }[]): FloorQuery[] {
  const binding = (b: unknown) => (b instanceof Date ? b.valueOf() : typeof b === 'boolean' ? Number(b) : b);
  return queries.map((q) => ({ label: 'app', sql: q.sql, params: q.bindings.map(binding) }));
}

/** The task list's WHERE for the query string of a page (status, smsType, createdBy, q as a phone number). */
function listWhere(p: URLSearchParams, userId: number): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (p.get('status')) add('status = ?', p.get('status'));
  else add('NOT status = ?', 'draft');
  if (p.get('smsType')) add('sms_type = ?', p.get('smsType'));
  const createdBy = p.get('mine') ? userId : p.get('createdBy') ? Number(p.get('createdBy')) : undefined;
  if (createdBy !== undefined) add('created_by = ?', createdBy);
  const q = p.get('q');
  // Issue 15: a probe of each task's (task_id, phone), as the app's list does since (phone, task_id) went.
  if (q && /^1\d{10}$/.test(q)) add('EXISTS (SELECT 1 FROM messages WHERE messages.task_id = tasks.id AND messages.phone = ?)', q);
  else if (q) add('EXISTS (SELECT 1 FROM messages WHERE messages.task_id = tasks.id AND messages.phone >= ? AND messages.phone < ?)', q, `${q}:`);
  return { where, params };
}

/** `/tasks?…`: the page's rows (one more than shown, to know whether a next page exists) and the filtered count. */
export function listFloor(url: URL, userId: number): FloorQuery[] {
  const p = url.searchParams;
  const per = Number(p.get('per') ?? DEFAULT_PAGE_SIZE);
  const { where, params } = listWhere(p, userId);
  const after = p.get('after');
  const rowsWhere = after ? [...where, 'id < ?'] : where;
  return [
    { label: 'rows', sql: `SELECT ${LIST_COLUMNS} FROM tasks WHERE ${rowsWhere.join(' AND ')} ORDER BY id DESC LIMIT ?`, params: [...params, ...(after ? [after] : []), per + 1] },
    { label: 'count', sql: `SELECT count(*) AS n FROM tasks WHERE ${where.join(' AND ')}`, params },
  ];
}

/** The phone conditions of the details filter: a whole number (11 digits), first digits, or last digits (*1234, 8000). */
function phoneCondition(phone: string | null): { sql: string; params: unknown[]; index: MessageIndex } | undefined {
  if (!phone) return undefined;
  if (/^1\d{10}$/.test(phone)) return { sql: 'phone = ?', params: [phone], index: MESSAGE_INDEX.phone };
  if (phone.startsWith('*') || !phone.startsWith('1')) {
    const digits = phone.replace(/^\*/, '');
    const tail = { sql: 'substr(phone, -4) = ?', params: [digits.slice(-4)] as unknown[], index: MESSAGE_INDEX.tail };
    return digits.length === 4 ? tail : { ...tail, sql: `${tail.sql} AND substr(phone, ?) = ?`, params: [...tail.params, -digits.length, digits] };
  }
  return { sql: 'phone >= ? AND phone < ?', params: [phone, `${phone}:`], index: MESSAGE_INDEX.phone };
}

/**
 * `/tasks/:id?…`: the task row (with its creator's name), the page of messages through `index`, and the capped
 * count when a phone filter asks for one (a status alone is counted from the task's counters, without a query).
 */
export function detailFloor(url: URL, taskId: string, index: MessageIndex): FloorQuery[] {
  const p = url.searchParams;
  const where = ['task_id = ?'];
  const params: unknown[] = [taskId];
  const phone = phoneCondition(p.get('phone'));
  if (phone) {
    where.push(phone.sql);
    params.push(...phone.params);
  }
  if (p.get('status')) {
    where.push('status = ?');
    params.push(p.get('status'));
  }
  const after = p.get('after');
  const rowsWhere = after ? [...where, 'id > ?'] : where;
  const out: FloorQuery[] = [
    { label: 'task', sql: 'SELECT t.*, u.username AS creator_name FROM tasks t LEFT JOIN users u ON u.id = t.created_by WHERE t.id = ?', params: [taskId] },
    {
      label: 'rows',
      sql: `SELECT ${MESSAGE_COLUMNS} FROM messages INDEXED BY ${index} WHERE ${rowsWhere.join(' AND ')} ORDER BY id ASC LIMIT ?`,
      params: [...params, ...(after ? [Number(after)] : []), MESSAGE_PAGE_SIZE + 1],
    },
  ];
  if (phone) {
    out.push({
      label: 'count',
      sql: `SELECT count(*) AS n FROM (SELECT 1 FROM messages INDEXED BY ${phone.index} WHERE task_id = ? AND ${phone.sql} LIMIT ?)`,
      params: [taskId, ...phone.params, FILTERED_COUNT_CAP + 1],
    });
  }
  return out;
}

export class PagesFloor {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Runs the queries once; returns the wall time and each query's rows. */
  run(queries: readonly FloorQuery[]): { ms: number; results: unknown[][] } {
    const t0 = performance.now();
    const results = queries.map((q) => {
      const s = this.statement(q.sql);
      return s.reader ? s.all(...q.params) : [s.run(...q.params)];
    });
    return { ms: performance.now() - t0, results };
  }

  /** The index the app chooses for a details filter (message-list.queries.ts chooseIndex): a narrow prefix reads (task_id, phone). */
  chooseIndex(taskId: string, url: URL): MessageIndex {
    const phone = phoneCondition(url.searchParams.get('phone'));
    if (phone?.sql === 'phone = ?') return MESSAGE_INDEX.phone;
    if (phone?.index === MESSAGE_INDEX.tail) return MESSAGE_INDEX.tail;
    if (phone) {
      const { n } = this.statement(`SELECT count(*) AS n FROM (SELECT 1 FROM messages INDEXED BY ${MESSAGE_INDEX.phone} WHERE task_id = ? AND ${phone.sql} LIMIT ?)`).get(
        taskId,
        ...phone.params,
        PREFIX_SORT_LIMIT + 1,
      ) as { n: number };
      if (n <= PREFIX_SORT_LIMIT) return MESSAGE_INDEX.phone;
    }
    return url.searchParams.get('status') ? MESSAGE_INDEX.status : MESSAGE_INDEX.id;
  }

  /** EXPLAIN QUERY PLAN, one line per step, indented by depth. */
  plan(sql: string, params: readonly unknown[]): string[] {
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>([[0, 0]]);
    return rows.map((r) => {
      const d = (depth.get(r.parent) ?? 0) + 1;
      depth.set(r.id, d);
      return `${'  '.repeat(d)}${r.detail}`;
    });
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A step that reads a whole table row by row (`SCAN messages`). `SCAN x USING INDEX i` is an index walked in its
 * order, which a LIMIT stops after a page; it is reported as it is, not flagged.
 */
export function isFullScan(planLine: string): boolean {
  return /^\s*SCAN (tasks|messages|receipts|users|sessions|t|u)\s*$/.test(planLine);
}
