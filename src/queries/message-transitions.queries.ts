/**
 * Every change of a message's state, each with the task-counter change it implies, in the caller's transaction
 * (services own the transactions). One function per transition: a counter can only drift from the rows it counts
 * if some other module changes one without the other, so no other query module writes `messages.status` or a
 * task's `*_count` (message-transitions.architecture.test.ts holds that). The counters are read by
 * src/tasks/task-counts.ts.
 *
 * SQLite takes its write lock at BEGIN (sqlite-transactions.ts: every transaction is BEGIN IMMEDIATE), so the
 * statements here may read before they write in any order.
 */
import type { Knex } from 'knex';
import type Database from 'better-sqlite3';
import { insertRows, insertRowsOn, updateRows, updateRowsOn, updateRowsReturning, type RowsInsert, type RowsUpdate } from '../db/batch-update';
import { runCompiled } from '../db/sqlite-statements';

export type TaskCounter =
  | 'submitted_count'
  | 'delivered_count'
  | 'failed_count'
  | 'rejected_count'
  | 'cancelled_count'
  | 'unsent_failed_count'
  | 'unknown_count'
  | 'suppressed_count'
  | 'capped_count';

const bumpQuery = (db: Knex, taskId: string, column: TaskCounter, by: number) => db('tasks').where({ id: taskId }).increment(column, by);

async function bump(trx: Knex, taskId: string, column: TaskCounter, by: number): Promise<void> {
  if (by > 0) await bumpQuery(trx, taskId, column, by);
}

/** Receipt rows (the API's feed) for messages that just reached a final state. */
async function insertReceipts(trx: Knex, taskId: string, messageIds: readonly number[]): Promise<void> {
  await trx
    .into(trx.raw('receipts (message_id, task_id, phone, status, code, description, sent_at, reported_at)'))
    .insert(
      trx('messages')
        .whereIn('id', messageIds)
        .orderBy('id')
        .select('id', trx.raw('?', [taskId]), 'phone', 'status', 'code', 'description', 'submitted_at', 'reported_at'),
    );
}

const submitting = (ids: readonly number[]): RowsUpdate => ({
  table: 'messages',
  columns: [{ name: 'id', pgType: 'bigint' }],
  set: { status: "'submitting'", attempts: 't.attempts + 1' },
  rows: ids.map((id) => [id]),
});

/** pending → submitting, one attempt more: the batch about to go to the carrier (no counter: still unsent). */
export async function markSubmitting(trx: Knex.Transaction, ids: readonly number[]): Promise<number> {
  return updateRows(trx, submitting(ids));
}

/** markSubmitting on a SQLite connection held outside knex, in its transaction (the dispatch writes thread). */
export function markSubmittingOn(conn: Database.Database, ids: readonly number[]): number {
  return updateRowsOn(conn, submitting(ids));
}

export interface AcceptedResult {
  id: number;
  carrierMessageId: string;
  /** Every part's carrier id, in order, for a message sent as several submits (kept in message_parts). */
  partIds?: readonly string[];
}

export interface FinalResult {
  id: number;
  status: 'rejected' | 'failed' | 'unknown';
  code: string;
  description: string;
}

const acceptedRows = (accepted: readonly AcceptedResult[], nowIso: string): RowsUpdate => ({
  table: 'messages',
  columns: [
    { name: 'id', pgType: 'bigint' },
    { name: 'carrier_message_id', pgType: 'text' },
    { name: 'submitted_at', pgType: 'text' },
  ],
  set: { status: "'submitted'", carrier_message_id: 'v.carrier_message_id', submitted_at: 'v.submitted_at', next_attempt_at: 'null' },
  where: "t.status = 'submitting'",
  rows: accepted.map((a) => [a.id, a.carrierMessageId, nowIso]),
});

const acceptedParts = (accepted: readonly AcceptedResult[]): RowsInsert => ({
  table: 'message_parts',
  columns: [
    { name: 'message_id', pgType: 'bigint' },
    { name: 'part_number', pgType: 'integer' },
    { name: 'carrier_message_id', pgType: 'text' },
  ],
  rows: accepted.flatMap((a) => (a.partIds && a.partIds.length > 1 ? a.partIds.map((carrierId, i) => [a.id, i + 1, carrierId]) : [])),
  skipConflictOn: ['message_id', 'part_number'],
});

/** submitting → submitted (the carrier accepted it), counted as submitted; its parts' carrier ids kept. */
export async function recordAccepted(trx: Knex.Transaction, taskId: string, accepted: readonly AcceptedResult[], nowIso: string): Promise<number> {
  if (accepted.length === 0) return 0;
  const changed = await updateRows(trx, acceptedRows(accepted, nowIso));
  await bump(trx, taskId, 'submitted_count', changed);
  await insertRows(trx, acceptedParts(accepted));
  return changed;
}

/**
 * recordAccepted on a SQLite connection held outside knex, in its transaction (the dispatch writes thread); `db`
 * only compiles the counter's statement.
 */
export function recordAcceptedOn(conn: Database.Database, db: Knex, taskId: string, accepted: readonly AcceptedResult[], nowIso: string): number {
  if (accepted.length === 0) return 0;
  const changed = updateRowsOn(conn, acceptedRows(accepted, nowIso));
  if (changed > 0) runCompiled(conn, bumpQuery(db, taskId, 'submitted_count', changed));
  insertRowsOn(conn, acceptedParts(accepted));
  return changed;
}

const FINAL_COUNTER: Record<FinalResult['status'], TaskCounter> = { rejected: 'rejected_count', unknown: 'unknown_count', failed: 'failed_count' };

/**
 * submitting → rejected | failed | unknown, never handed over or never answered: counted, with a receipt row each.
 * One statement per distinct (status, code, description), which is one or two for a batch.
 */
export async function recordFinals(trx: Knex, taskId: string, finals: readonly FinalResult[], nowIso: string): Promise<number> {
  const groups = new Map<string, FinalResult[]>();
  for (const f of finals) {
    const key = JSON.stringify([f.status, f.code, f.description]);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  let total = 0;
  for (const group of groups.values()) {
    const { status, code, description } = group[0];
    const open = (
      (await trx('messages')
        .whereIn('id', group.map((f) => f.id))
        .where('status', 'submitting')
        .update({ status, code, description, submitted_at: nowIso, reported_at: nowIso, next_attempt_at: null })
        .returning(['id'])) as { id: number }[]
    ).map((r) => r.id);
    if (open.length === 0) continue;
    total += open.length;
    await bump(trx, taskId, FINAL_COUNTER[status], open.length);
    // Failed here means never accepted (retries ran out): counted apart too, so the counters tell what is unsent.
    if (status === 'failed') await bump(trx, taskId, 'unsent_failed_count', open.length);
    await insertReceipts(trx, taskId, open);
  }
  return total;
}

/** The carrier's answers for one batch (only messages still `submitting` change). */
export async function recordBatchResults(trx: Knex.Transaction, taskId: string, accepted: readonly AcceptedResult[], finals: readonly FinalResult[], nowIso: string): Promise<void> {
  await recordAccepted(trx, taskId, accepted, nowIso);
  await recordFinals(trx, taskId, finals, nowIso);
}

/** Messages that ran out of attempts become `failed`, with the last error as the remark. */
export async function failMessages(trx: Knex, taskId: string, ids: readonly number[], code: string, description: string, nowIso: string): Promise<number> {
  return recordFinals(trx, taskId, ids.map((id) => ({ id, status: 'failed' as const, code, description })), nowIso);
}

/**
 * Cancels the task's messages that `scope` picks, keeping the counters in step: how many, and their characters and
 * segments (a stopped task bills what it sent only). The sums are read first, in the same transaction, so they
 * are exactly the rows the update then changes.
 */
export async function cancelMessages(trx: Knex, taskId: string, scope: (q: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<number> {
  const sums = (await scope(trx('messages').where('task_id', taskId)).first(trx.raw('count(*) as n, coalesce(sum(segments), 0) as segments, coalesce(sum(chars), 0) as chars'))) as
    | { n: number; segments: number; chars: number }
    | undefined;
  if (!sums || Number(sums.n) === 0) return 0;
  const cancelled = await scope(trx('messages').where('task_id', taskId)).update({ status: 'cancelled', next_attempt_at: null });
  await trx('tasks')
    .where({ id: taskId })
    .increment({ cancelled_count: cancelled, cancelled_segments: Number(sums.segments), cancelled_chars: Number(sums.chars) });
  return cancelled;
}

/**
 * A batch the carrier could not take: submitting → pending with a back-off (no counter: still unsent); or →
 * cancelled when the task was stopped while the call was out (Stop cancelled the task's other unsent messages
 * then, and left these to the call's outcome).
 */
export async function deferMessages(trx: Knex, taskId: string, ids: readonly number[], nextAttemptIso: string): Promise<void> {
  const stopped = trx('tasks').where({ id: taskId }).whereNotNull('cancelled_at').select('id');
  await cancelMessages(trx, taskId, (q) => q.whereIn('id', ids).where('status', 'submitting').whereExists(stopped));
  await trx('messages').whereIn('id', ids).where('status', 'submitting').update({ status: 'pending', next_attempt_at: nextAttemptIso });
}

/** submitting → pending, every one of the task's: an earlier run's batch to send again under the same ids. */
export async function resubmitUnanswered(trx: Knex, taskId: string): Promise<number> {
  return trx('messages').where({ task_id: taskId, status: 'submitting' }).update({ status: 'pending', next_attempt_at: null });
}

export type SkipStatus = 'suppressed' | 'capped';

const SKIP_CHUNK = 500;

/**
 * submitting → suppressed | capped: messages of a batch (marked by takeBatch) that must not go out after all (issue
 * 14's send rules), final and counted. Only rows still `submitting` change.
 */
export async function skipMessages(trx: Knex, taskId: string, ids: readonly number[], status: SkipStatus, nowIso: string): Promise<number> {
  let changed = 0;
  for (let i = 0; i < ids.length; i += SKIP_CHUNK) {
    changed += await trx('messages')
      .whereIn('id', ids.slice(i, i + SKIP_CHUNK))
      .where('status', 'submitting')
      .update({ status, code: status === 'suppressed' ? 'OPTED_OUT' : 'FREQUENCY_CAP', reported_at: nowIso, next_attempt_at: null });
  }
  await bump(trx, taskId, status === 'suppressed' ? 'suppressed_count' : 'capped_count', changed);
  return changed;
}

export interface ReceiptTarget {
  /** The message by its id (the last part of a several-part message was reported), or by its carrier id. */
  messageId: number | null;
  carrierMessageId: string;
  status: 'delivered' | 'failed';
  code: string;
  description: string;
  reportedAtIso: string;
}

/** Receipt rows per group of consecutive messages of one task: this many ids to a statement at most. */
const RECEIPT_ROWS_PER_INSERT = 500;

/**
 * submitted → delivered | failed, by delivery receipt, in order. Only messages still `submitted` change, so a
 * repeated receipt changes nothing. Returns, per target, whether it changed a message. The counters take a
 * statement per task and column, and the feed one per run of the same task, instead of two for every receipt
 * (which made 100,000 receipts take about 8 s); the feed keeps the batch's order between tasks.
 */
/** The receipts' other key: a carrier's message id (a named constant, not a literal the i18n key scan would read). */
const CARRIER_ID_COLUMN = 'carrier_message_id';

export async function applyReceipts(trx: Knex.Transaction, targets: readonly ReceiptTarget[]): Promise<boolean[]> {
  const outcome = (u: ReceiptTarget) => [u.status, u.code, u.description, u.reportedAtIso];
  const outcomeColumns = [
    { name: 'status', pgType: 'text' },
    { name: 'code', pgType: 'text' },
    { name: 'description', pgType: 'text' },
    { name: 'reported_at', pgType: 'text' },
  ] as const;
  const receipt = { table: 'messages', set: { status: 'v.status', code: 'v.code', description: 'v.description', reported_at: 'v.reported_at' }, where: "t.status = 'submitted'" };
  // By message id (the last part of a several-part message) or by carrier id: two statements, each in batch order.
  const byId = targets.flatMap((u, i) => (u.messageId === null ? [] : [i]));
  const byCarrier = targets.flatMap((u, i) => (u.messageId === null ? [i] : []));
  const changedRows: ({ id: number; task_id: string } | undefined)[] = targets.map(() => undefined);
  const answersById = await updateRowsReturning(
    trx,
    { ...receipt, columns: [{ name: 'id', pgType: 'bigint' }, ...outcomeColumns], rows: byId.map((i) => [targets[i].messageId, ...outcome(targets[i])]) },
    ['id', 'task_id'],
  );
  const answersByCarrier = await updateRowsReturning(
    trx,
    { ...receipt, key: CARRIER_ID_COLUMN, columns: [{ name: 'carrier_id', pgType: 'text' }, ...outcomeColumns], rows: byCarrier.map((i) => [targets[i].carrierMessageId, ...outcome(targets[i])]) },
    ['id', 'task_id'],
  );
  byId.forEach((i, k) => (changedRows[i] = answersById[k] as { id: number; task_id: string } | undefined));
  byCarrier.forEach((i, k) => (changedRows[i] = answersByCarrier[k] as { id: number; task_id: string } | undefined));
  const applied = changedRows.flatMap((msg, i) => (msg ? [{ taskId: msg.task_id, id: msg.id, status: targets[i].status }] : []));
  const changed = changedRows.map((msg) => msg !== undefined);
  const counts = new Map<string, { delivered: number; failed: number }>();
  for (const a of applied) {
    const c = counts.get(a.taskId) ?? { delivered: 0, failed: 0 };
    c[a.status] += 1;
    counts.set(a.taskId, c);
  }
  // In task id order: two instances applying receipts of the same tasks lock their counter rows in one order, not
  // in their receipts' orders (PostgreSQL: "deadlock detected" in the two-process fault test).
  for (const [taskId, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await bump(trx, taskId, 'delivered_count', c.delivered);
    await bump(trx, taskId, 'failed_count', c.failed);
  }
  for (let from = 0; from < applied.length; ) {
    const taskId = applied[from].taskId;
    let to = from;
    while (to < applied.length && to - from < RECEIPT_ROWS_PER_INSERT && applied[to].taskId === taskId) to += 1;
    await insertReceipts(trx, taskId, applied.slice(from, to).map((a) => a.id));
    from = to;
  }
  return changed;
}
