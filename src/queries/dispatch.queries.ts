import type Database from 'better-sqlite3';
import type { Knex } from 'knex';

/**
 * WRITE FIRST. knex opens a transaction with a plain BEGIN. In SQLite a transaction whose first statement writes
 * takes the write lock there, waiting up to busy_timeout for another process's writer (like BEGIN IMMEDIATE); one
 * that reads first and writes later fails at once with SQLITE_BUSY ("database is locked", no waiting) when another
 * process wrote in between. With two app processes on one file that aborted dispatches and receipt pulls, so every
 * transaction of the dispatcher, the receipts and the stub's ledger starts with a write.
 */

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

/**
 * Records the carrier's answers for one batch in one transaction, in a few set-based statements (only for
 * messages still `submitting`): this runs 500 times for a 100,000-message task, so it avoids a query per row.
 */
export async function recordBatchResults(db: Knex, taskId: string, accepted: readonly AcceptedResult[], finals: readonly FinalResult[], nowIso: string): Promise<void> {
  await db.transaction(async (trx) => {
    if (accepted.length) {
      // One short prepared UPDATE per message on the transaction's own connection: a single statement for the whole
      // batch (`case id when ? then ? …` of 200 branches, or an UPDATE … FROM a JSON list) costs SQLite twice as much
      // to run, and a knex query per row costs far more in knex. Same rows, same values, same transaction.
      const changed = await runEach(
        trx,
        "update messages set status = 'submitted', carrier_message_id = ?, submitted_at = ?, next_attempt_at = null where id = ? and status = 'submitting'",
        accepted.map((a) => [a.carrierMessageId, nowIso, a.id]),
      );
      await bumpCounter(trx, taskId, 'submitted_count', changed);
      const parts = accepted.flatMap((a) => (a.partIds && a.partIds.length > 1 ? a.partIds.map((carrierId, i) => [a.id, i + 1, carrierId]) : []));
      if (parts.length) {
        await runEach(trx, "insert into message_parts (message_id, part_number, carrier_message_id, status) values (?, ?, ?, 'submitted') on conflict do nothing", parts);
      }
    }
    const groups = new Map<string, FinalResult[]>();
    for (const f of finals) {
      const key = JSON.stringify([f.status, f.code, f.description]);
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    for (const group of groups.values()) {
      const { status, code, description } = group[0];
      // Updating first, not reading first: see WRITE FIRST at the top.
      const open = (
        (await trx('messages')
          .whereIn('id', group.map((f) => f.id))
          .where('status', 'submitting')
          .update({ status, code, description, submitted_at: nowIso, reported_at: nowIso, next_attempt_at: null })
          .returning(['id'])) as { id: number }[]
      ).map((r) => r.id);
      if (open.length === 0) continue;
      await bumpCounter(trx, taskId, status === 'rejected' ? 'rejected_count' : status === 'unknown' ? 'unknown_count' : 'failed_count', open.length);
      // Failed here means never accepted (retries ran out): counted apart too, so the counters tell what is unsent.
      if (status === 'failed') await bumpCounter(trx, taskId, 'unsent_failed_count', open.length);
      await insertReceipts(trx, taskId, open);
    }
  });
}

/**
 * Runs one prepared statement once per row of bindings, synchronously, on the SQLite connection the transaction
 * holds (knex runs every query of a transaction on that one connection), and returns the rows changed in all.
 * Knex still calls the transaction's function when its BEGIN failed (SQLITE_BUSY after busy_timeout), and only its
 * own queries then refuse to run; these statements would run outside any transaction, so they check first.
 */
async function runEach(trx: Knex.Transaction, sql: string, rows: readonly unknown[][]): Promise<number> {
  if (trx.client.config.client !== 'better-sqlite3') {
    // Other databases (PostgreSQL, planned) take the same statement through knex, one row at a time.
    let changed = 0;
    for (const bindings of rows) changed += Number((await trx.raw(sql, bindings as Knex.RawBinding[])).rowCount ?? 0);
    return changed;
  }
  const connection = (await trx.client.acquireConnection()) as Database.Database;
  if (trx.isCompleted() || !connection.inTransaction) throw new Error('the transaction did not begin or is over');
  const statement = connection.prepare(sql);
  let changes = 0;
  for (const bindings of rows) changes += statement.run(...bindings).changes;
  return changes;
}

export type TaskCounter =
  | 'submitted_count'
  | 'delivered_count'
  | 'failed_count'
  | 'rejected_count'
  | 'cancelled_count'
  | 'unsent_failed_count'
  | 'unknown_count';

/** Keeps the task's message counters in step with the state change made in the same transaction. */
export async function bumpCounter(trx: Knex, taskId: string, column: TaskCounter, by: number): Promise<void> {
  if (by > 0) await trx('tasks').where({ id: taskId }).increment(column, by);
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

/** Receipt rows (the API's feed) for messages that just reached a final state. */
export async function insertReceipts(trx: Knex, taskId: string, messageIds: readonly number[]): Promise<void> {
  await trx
    .into(trx.raw('receipts (message_id, task_id, phone, status, code, description, sent_at, reported_at)'))
    .insert(
      trx('messages')
        .whereIn('id', messageIds)
        .orderBy('id')
        .select('id', trx.raw('?', [taskId]), 'phone', 'status', 'code', 'description', 'submitted_at', 'reported_at'),
    );
}

/**
 * A batch the carrier could not take: back to pending with a back-off; or cancelled when the task was stopped while
 * the call was out (Stop cancelled the task's other unsent messages then, and left these to the call's outcome).
 */
export async function deferBatch(db: Knex, taskId: string, ids: readonly number[], nextAttemptIso: string): Promise<void> {
  await db.transaction(async (trx) => {
    const stopped = trx('tasks').where({ id: taskId }).whereNotNull('cancelled_at').select('id');
    await cancelMessages(trx, taskId, (q) => q.whereIn('id', ids).where('status', 'submitting').whereExists(stopped));
    await trx('messages').whereIn('id', ids).where('status', 'submitting').update({ status: 'pending', next_attempt_at: nextAttemptIso });
  });
}

export async function earliestRetry(db: Knex, taskId: string): Promise<string | null | undefined> {
  const row = await db('messages').where({ task_id: taskId }).whereIn('status', ['pending', 'submitting']).orderBy('next_attempt_at').first('next_attempt_at', 'status');
  if (!row) return undefined;
  return row.status === 'submitting' ? null : row.next_attempt_at;
}

/** Messages that ran out of attempts become `failed`, with the last error as the remark. */
export async function failMessages(db: Knex, taskId: string, ids: readonly number[], code: string, description: string, nowIso: string): Promise<void> {
  await recordBatchResults(db, taskId, [], ids.map((id) => ({ id, status: 'failed' as const, code, description })), nowIso);
}
