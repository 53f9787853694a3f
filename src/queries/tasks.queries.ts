import type { Knex } from 'knex';
import { isPostgres } from '../db/dialect';
import { cancelMessages } from './message-transitions.queries';

/** `confirming`: a large draft's recipients are being moved into `messages`, a part at a time (issue 15). */
export type TaskStatus = 'draft' | 'confirming' | 'scheduled' | 'sending' | 'completed' | 'cancelled';
export const TASK_STATUSES: readonly TaskStatus[] = ['draft', 'confirming', 'scheduled', 'sending', 'completed', 'cancelled'];

/** Where the recipients came from: typed in the form, a file imported in the form, the JSON API, or a resend of a task's failures. */
export type TaskSource = 'manual' | 'import' | 'api' | 'resend';

export interface Task {
  id: string;
  status: TaskStatus;
  smsType: string;
  /** The carrier account the task was routed to at confirm (null for drafts and tasks from before routing). */
  carrierAccountId: number | null;
  signatureId: number | null;
  templateId: number | null;
  signatureText: string;
  templateName: string;
  templateContent: string;
  source: TaskSource;
  fileName: string | null;
  sendMode: 'now' | 'scheduled';
  sendAt: string | null;
  rowsRead: number;
  recipientCount: number;
  invalidCount: number;
  duplicatesRemoved: number;
  repeatedNumbers: number;
  totalSegments: number;
  maxChars: number;
  maxSegments: number;
  formState: Record<string, string>;
  createdBy: number;
  createdByName: string | null;
  createdAt: string;
  expiresAt: string | null;
  confirmedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  submittedCount: number;
  deliveredCount: number;
  failedCount: number;
  rejectedCount: number;
  cancelledCount: number;
  /** Characters and segments of the cancelled messages: never sent, so never billed. */
  cancelledChars: number;
  cancelledSegments: number;
  /** Failed without the carrier ever accepting them (retries ran out); also counted in failedCount. */
  unsentFailedCount: number;
  /** Written to the carrier but never answered (SUBMIT_UNKNOWN): not resubmitted unless the account says so. */
  unknownCount: number;
  /** Since when the task waits for its carrier account (and its fallback) to come up, or null. */
  waitingForCarrierSince: string | null;
  /** Sum of the messages' characters, counted when the draft was made (kept after retention removes messages). */
  totalChars: number;
  /** The task this one resends the failed messages of ("resend to failed"), if any. */
  resendOf: string | null;
  /** Issue 14: skipped at send time (opted out after the confirm / at a frequency cap), and a quiet-hours pause. */
  suppressedCount: number;
  cappedCount: number;
  quietPausedUntil: string | null;
  /** Issue 15: recipients a confirm in parts has moved into `messages` so far (status `confirming`). */
  confirmMoved: number;
}

type Row = Record<string, unknown>;

function toTask(r: Row): Task {
  let formState: Record<string, string> = {};
  try {
    formState = r.form_state ? JSON.parse(r.form_state as string) : {};
  } catch {
    formState = {};
  }
  return {
    id: r.id as string,
    status: r.status as TaskStatus,
    smsType: r.sms_type as string,
    carrierAccountId: (r.carrier_account_id as number) ?? null,
    signatureId: (r.signature_id as number) ?? null,
    templateId: (r.template_id as number) ?? null,
    signatureText: r.signature_text as string,
    templateName: r.template_name as string,
    templateContent: r.template_content as string,
    source: r.source as Task['source'],
    fileName: (r.file_name as string) ?? null,
    sendMode: r.send_mode as Task['sendMode'],
    sendAt: (r.send_at as string) ?? null,
    rowsRead: r.rows_read as number,
    recipientCount: r.recipient_count as number,
    invalidCount: r.invalid_count as number,
    duplicatesRemoved: r.duplicates_removed as number,
    repeatedNumbers: r.repeated_numbers as number,
    totalSegments: r.total_segments as number,
    maxChars: r.max_chars as number,
    maxSegments: r.max_segments as number,
    formState,
    createdBy: r.created_by as number,
    createdByName: (r.creator_name as string) ?? null,
    createdAt: r.created_at as string,
    expiresAt: (r.expires_at as string) ?? null,
    confirmedAt: (r.confirmed_at as string) ?? null,
    startedAt: (r.started_at as string) ?? null,
    completedAt: (r.completed_at as string) ?? null,
    cancelledAt: (r.cancelled_at as string) ?? null,
    submittedCount: Number(r.submitted_count ?? 0),
    deliveredCount: Number(r.delivered_count ?? 0),
    failedCount: Number(r.failed_count ?? 0),
    rejectedCount: Number(r.rejected_count ?? 0),
    cancelledCount: Number(r.cancelled_count ?? 0),
    cancelledChars: Number(r.cancelled_chars ?? 0),
    cancelledSegments: Number(r.cancelled_segments ?? 0),
    unsentFailedCount: Number(r.unsent_failed_count ?? 0),
    unknownCount: Number(r.unknown_count ?? 0),
    waitingForCarrierSince: (r.waiting_for_carrier_since as string) ?? null,
    totalChars: Number(r.total_chars ?? 0),
    resendOf: (r.resend_of as string) ?? null,
    suppressedCount: Number(r.suppressed_count ?? 0),
    cappedCount: Number(r.capped_count ?? 0),
    confirmMoved: Number(r.confirm_moved ?? 0),
    quietPausedUntil: (r.quiet_paused_until as string) ?? null,
  };
}

export interface NewTaskRow {
  id: string;
  sms_type: string;
  signature_id: number | null;
  template_id: number | null;
  signature_text: string;
  template_name: string;
  template_content: string;
  source: string;
  file_name: string | null;
  send_mode: string;
  send_at: string | null;
  rows_read: number;
  recipient_count: number;
  invalid_count: number;
  duplicates_removed: number;
  repeated_numbers: number;
  total_segments: number;
  max_chars: number;
  max_segments: number;
  form_state: string;
  total_chars: number;
  resend_of?: string | null;
  created_by: number;
  expires_at: string;
}

/** The highest id issued with this prefix (e.g. `T261125`), for the next readable sequence number. */
export async function lastTaskIdWithPrefix(db: Knex, prefix: string): Promise<string | undefined> {
  // By length first: after 9,999 tasks in a day the sequence grows a digit and must still sort last.
  const row = await db('tasks').where('id', 'like', `${prefix}%`).orderByRaw('length(id) desc, id desc').first('id');
  return row?.id ?? undefined;
}

/**
 * The next sequence number of the prefix, from its counter row: concurrent callers take turns on the row (its
 * upsert locks it) and each gets a number of its own. The first call for a prefix starts after `lastUsed`.
 */
export async function takeTaskSequence(db: Knex, prefix: string, lastUsed: number): Promise<number> {
  const [row] = (await db('task_id_counters')
    .insert({ prefix, last: lastUsed + 1 })
    .onConflict('prefix')
    .merge({ last: db.raw('?? + 1', ['task_id_counters.last']) })
    .returning('last')) as { last: number }[];
  return row.last;
}

export async function insertDraftTask(db: Knex, row: NewTaskRow): Promise<void> {
  const now = new Date().toISOString();
  await db('tasks').insert({ ...row, status: 'draft', created_at: now, updated_at: now });
}

/** A task by its id, or by the handle it had as a draft (kept after the confirm gave it its id, migration 120). */
export async function findTask(db: Knex, id: string): Promise<Task | undefined> {
  const row = await db('tasks as t')
    .leftJoin('users as u', 'u.id', 't.created_by')
    .select('t.*', 'u.username as creator_name')
    .where((w) => w.where('t.id', id).orWhere('t.draft_id', id))
    .first();
  return row ? toTask(row) : undefined;
}

/**
 * Gives a draft its task id at confirm: the row and its invalid rows and waiting recipients move from the draft's
 * handle to the id, and the handle is kept in draft_id. Run inside the confirming transaction: foreign keys are
 * checked at its commit (defer_foreign_keys ends with it), once every row names the new id.
 */
export async function assignTaskId(trx: Knex.Transaction, draftId: string, taskId: string): Promise<void> {
  if (isPostgres(trx)) {
    // PostgreSQL checks these foreign keys at each statement (they are not DEFERRABLE): the row is copied under its
    // id first, its rows follow it, then the draft's row goes (nothing refers to it any more).
    const row = await trx('tasks').where({ id: draftId, status: 'draft' }).first();
    if (!row) return;
    await trx('tasks').insert({ ...row, id: taskId, draft_id: draftId });
    await trx('task_invalid_rows').where({ task_id: draftId }).update({ task_id: taskId });
    await trx('draft_recipients').where({ task_id: draftId }).update({ task_id: taskId });
    await trx('tasks').where({ id: draftId }).delete();
    return;
  }
  await trx.raw('PRAGMA defer_foreign_keys = ON');
  await trx('tasks').where({ id: draftId, status: 'draft' }).update({ id: taskId, draft_id: draftId });
  await trx('task_invalid_rows').where({ task_id: draftId }).update({ task_id: taskId });
  await trx('draft_recipients').where({ task_id: draftId }).update({ task_id: taskId });
}

/**
 * Turns a draft into a scheduled task only if it is still a draft, so a second confirm (double click,
 * another tab) changes nothing; returns whether this call did it.
 */
export async function markDraftConfirmed(
  db: Knex,
  id: string,
  snapshot: { signature_text: string; template_name: string; template_content: string; sms_type: string; send_at: string; carrier_account_id: number | null },
): Promise<boolean> {
  const now = new Date().toISOString();
  const changed = await db('tasks')
    .where({ id, status: 'draft' })
    .update({ ...snapshot, status: 'scheduled', confirmed_at: now, expires_at: null, updated_at: now });
  return changed > 0;
}

export async function deleteExpiredDrafts(db: Knex, nowIso: string, limit = 50): Promise<number> {
  const ids = (await db('tasks').where('status', 'draft').where('expires_at', '<', nowIso).limit(limit).pluck('id')) as string[];
  if (ids.length === 0) return 0;
  await db('draft_recipients').whereIn('task_id', ids).delete();
  await db('messages').whereIn('task_id', ids).delete();
  await db('task_invalid_rows').whereIn('task_id', ids).delete();
  return db('tasks').whereIn('id', ids).delete();
}

/** Cancels a task that has not started: the task and all its pending messages, in the caller's transaction. */
export async function cancelScheduledTask(trx: Knex.Transaction, id: string, nowIso: string): Promise<boolean> {
  const changed = await trx('tasks').where({ id, status: 'scheduled' }).update({ status: 'cancelled', cancelled_at: nowIso, completed_at: nowIso, updated_at: nowIso });
  if (changed === 0) return false;
  await cancelMessages(trx, id, (q) => q.where('status', 'pending'));
  return true;
}

/**
 * Stops a sending task, in the caller's transaction: messages not yet handed to the carrier are cancelled at once.
 * A batch already in the carrier's hands (`submitting`) keeps its outcome; the dispatcher then ends the task as
 * cancelled.
 */
export async function stopSendingTask(trx: Knex.Transaction, id: string, nowIso: string): Promise<boolean> {
  const marked = await trx('tasks').where({ id, status: 'sending' }).update({ cancelled_at: nowIso, updated_at: nowIso });
  if (marked === 0) return false;
  await cancelMessages(trx, id, (q) => q.where('status', 'pending'));
  const inFlight = await trx('messages').where({ task_id: id, status: 'submitting' }).first('id');
  if (!inFlight) {
    await trx('tasks').where({ id }).update({ status: 'cancelled', completed_at: nowIso, lease_owner: null, lease_until: null });
  }
  return true;
}
