import type { Knex } from 'knex';
import type { Task, TaskStatus } from './tasks.queries';

/** The task list's filters, already checked (src/validators/task-list.validators.ts). Drafts are never listed. */
export interface TaskListFilter {
  status?: Exclude<TaskStatus, 'draft'>;
  smsType?: string;
  signatureId?: number;
  templateId?: number;
  createdBy?: number;
  /** Sending time range as ISO UTC strings: from inclusive, to exclusive. */
  sendFrom?: string;
  sendTo?: string;
  /** An exact task id or the start of one. */
  idPrefix?: string;
  /** A normalised mobile number: tasks with a message to it. */
  phone?: string;
  /** The first digits (3 or more) of a number: tasks with a message to a number starting so. */
  phonePrefix?: string;
}

/** Keyset position: `after` = older than this id (next page), `before` = newer than this id (previous page). */
export interface TaskListCursor {
  after?: string;
  before?: string;
}

/** One row of the list: the columns it shows and what the row actions and progress need. */
export type TaskListRow = Pick<
  Task,
  | 'id' | 'status' | 'smsType' | 'signatureText' | 'templateName' | 'templateContent' | 'sendMode' | 'sendAt' | 'recipientCount'
  | 'createdBy' | 'startedAt' | 'cancelledAt' | 'submittedCount' | 'deliveredCount' | 'failedCount' | 'rejectedCount' | 'cancelledCount' | 'unsentFailedCount'
  // Issue 14: skipped at send time, and the quiet-hours pause.
  | 'suppressedCount' | 'cappedCount' | 'quietPausedUntil'
  | 'unknownCount' | 'waitingForCarrierSince'
>;

const LIST_COLUMNS = [
  'id',
  'status',
  'sms_type',
  'signature_text',
  'template_name',
  'template_content',
  'send_mode',
  'send_at',
  'recipient_count',
  'created_by',
  'started_at',
  'cancelled_at',
  'submitted_count',
  'delivered_count',
  'failed_count',
  'rejected_count',
  'cancelled_count',
  'unsent_failed_count',
  'suppressed_count',
  'capped_count',
  'quiet_paused_until',
  'unknown_count',
  'waiting_for_carrier_since',
];

type Row = Record<string, unknown>;

function toRow(r: Row): TaskListRow {
  return {
    id: r.id as string,
    status: r.status as TaskStatus,
    smsType: r.sms_type as string,
    signatureText: r.signature_text as string,
    templateName: r.template_name as string,
    templateContent: r.template_content as string,
    sendMode: r.send_mode as TaskListRow['sendMode'],
    sendAt: (r.send_at as string) ?? null,
    recipientCount: Number(r.recipient_count ?? 0),
    createdBy: r.created_by as number,
    startedAt: (r.started_at as string) ?? null,
    cancelledAt: (r.cancelled_at as string) ?? null,
    submittedCount: Number(r.submitted_count ?? 0),
    deliveredCount: Number(r.delivered_count ?? 0),
    failedCount: Number(r.failed_count ?? 0),
    rejectedCount: Number(r.rejected_count ?? 0),
    cancelledCount: Number(r.cancelled_count ?? 0),
    unsentFailedCount: Number(r.unsent_failed_count ?? 0),
    suppressedCount: Number(r.suppressed_count ?? 0),
    cappedCount: Number(r.capped_count ?? 0),
    quietPausedUntil: (r.quiet_paused_until as string) ?? null,
    unknownCount: Number(r.unknown_count ?? 0),
    waitingForCarrierSince: (r.waiting_for_carrier_since as string) ?? null,
  };
}

/**
 * The WHERE clause shared by the page and its count, so the count is always of exactly the rows paged through.
 * Each equality has an index ending in id (migration 19), so a page is read in order from that index.
 */
function filtered(db: Knex, filter: TaskListFilter): Knex.QueryBuilder {
  const q = db('tasks');
  if (filter.status) q.where('status', filter.status);
  else q.whereNot('status', 'draft');
  if (filter.smsType) q.where('sms_type', filter.smsType);
  if (filter.signatureId !== undefined) q.where('signature_id', filter.signatureId);
  if (filter.templateId !== undefined) q.where('template_id', filter.templateId);
  if (filter.createdBy !== undefined) q.where('created_by', filter.createdBy);
  if (filter.sendFrom) q.where('send_at', '>=', filter.sendFrom);
  if (filter.sendTo) q.where('send_at', '<', filter.sendTo);
  // A range rather than LIKE: SQLite's LIKE ignores case and so cannot use the primary key's index. Ids are ASCII,
  // so every id starting with the prefix sorts below prefix + U+FFFF.
  if (filter.idPrefix) q.where('id', '>=', filter.idPrefix).where('id', '<', filter.idPrefix + '\uffff');
  // Per task, one probe of messages (task_id, phone) (migration 20), index alone: (phone, task_id) answered it from
  // the number's side but cost every confirm its inserts (issue 15, migration 20261206000081). The list is read in
  // id order and stops at its LIMIT, so a page probes the tasks it walks past, not every task.
  if (filter.phone) q.whereExists(db('messages').select(db.raw('1')).whereRaw('messages.task_id = tasks.id').where('phone', filter.phone));
  // The same index read as a range: every number starting with the digits sorts below the digits followed by ':'.
  if (filter.phonePrefix) {
    q.whereExists(
      db('messages').select(db.raw('1')).whereRaw('messages.task_id = tasks.id').where('phone', '>=', filter.phonePrefix).where('phone', '<', `${filter.phonePrefix}:`),
    );
  }
  return q;
}

/**
 * One page, newest first. With `before` the rows just newer than it are read upwards and turned back, so a
 * page is the same whichever direction it was reached from. Ask for one row more than shown to learn whether
 * another page follows.
 */
export async function listTaskPage(db: Knex, filter: TaskListFilter, cursor: TaskListCursor, limit: number): Promise<TaskListRow[]> {
  const q = filtered(db, filter).select(LIST_COLUMNS).limit(limit);
  if (cursor.before) {
    const rows = await q.where('id', '>', cursor.before).orderBy('id', 'asc');
    return rows.reverse().map(toRow);
  }
  if (cursor.after) q.where('id', '<', cursor.after);
  return (await q.orderBy('id', 'desc')).map(toRow);
}

/** Whether any listed task is older than `id` under the same filter (the "next page" link of a page reached backwards). */
export async function hasTaskOlderThan(db: Knex, filter: TaskListFilter, id: string): Promise<boolean> {
  const row = await filtered(db, filter).where('id', '<', id).first('id');
  return row !== undefined;
}

export async function countTaskList(db: Knex, filter: TaskListFilter): Promise<number> {
  const row = (await filtered(db, filter).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export interface FilterOption {
  id: number;
  name: string;
}

/** The choices of the signature, template and created-by filters: every one that exists, whatever its review state. */
export async function taskListFilterOptions(db: Knex): Promise<{ signatures: FilterOption[]; templates: FilterOption[]; users: FilterOption[] }> {
  const [signatures, templates, users] = await Promise.all([
    db('signatures').select('id', 'name').orderBy('name'),
    db('templates').select('id', 'name').orderBy('name').orderBy('id'),
    db('users').select('id', 'username as name').orderBy('username'),
  ]);
  return { signatures, templates, users };
}

/** The counters of these tasks (drafts left out), for the progress endpoint. */
export async function taskCountersByIds(db: Knex, ids: readonly string[]): Promise<TaskListRow[]> {
  if (ids.length === 0) return [];
  const rows = await db('tasks').select(LIST_COLUMNS).whereIn('id', ids).whereNot('status', 'draft');
  return rows.map(toRow);
}

/**
 * Messages in the carrier's hands right now (a batch in flight) per task: the counters cannot tell them from
 * pending ones. A small range of (task_id, status, id) per task.
 */
export async function submittingCounts(db: Knex, taskIds: readonly string[]): Promise<Map<string, number>> {
  if (taskIds.length === 0) return new Map();
  const rows = (await db('messages')
    .select('task_id')
    .count({ n: '*' })
    .whereIn('task_id', taskIds)
    .where('status', 'submitting')
    .groupBy('task_id')) as { task_id: string; n: number | string }[];
  return new Map(rows.map((r) => [r.task_id, Number(r.n)]));
}

/** A user's unconfirmed check, as the task list shows it so it can be found again. */
export interface DraftListRow {
  id: string;
  smsType: string;
  signatureText: string;
  templateName: string;
  source: string;
  fileName: string | null;
  recipientCount: number;
  createdAt: string;
  expiresAt: string;
}

/**
 * The user's own drafts that have not expired yet, newest first. Drafts are private to their author, so this
 * never lists anyone else's, admins' view included. Read through the (status, id) index (migration 19).
 */
export async function listOwnDrafts(db: Knex, userId: number, nowIso: string, limit: number): Promise<DraftListRow[]> {
  const rows = await db('tasks')
    .select('id', 'sms_type', 'signature_text', 'template_name', 'source', 'file_name', 'recipient_count', 'created_at', 'expires_at')
    .where({ status: 'draft', created_by: userId })
    .where('expires_at', '>', nowIso)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit);
  return rows.map((r: Row) => ({
    id: r.id as string,
    smsType: r.sms_type as string,
    signatureText: r.signature_text as string,
    templateName: r.template_name as string,
    source: r.source as string,
    fileName: (r.file_name as string) ?? null,
    recipientCount: Number(r.recipient_count ?? 0),
    createdAt: r.created_at as string,
    expiresAt: r.expires_at as string,
  }));
}
