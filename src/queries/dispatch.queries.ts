import type { Knex } from 'knex';
import { markSubmitting } from './message-transitions.queries';

export interface ClaimedTask {
  id: string;
  sendAt: string;
  startedAt: string | null;
  cancelledAt: string | null;
}

/** A task that may be claimed now: due and not started, or sending under a lease that expired (its process is gone). */
function claimable(nowIso: string) {
  return (q: Knex.QueryBuilder) =>
    q.where((q1) => q1.where('status', 'scheduled').where('send_at', '<=', nowIso)).orWhere((q2) => q2.where('status', 'sending').where('lease_until', '<', nowIso));
}

/**
 * Claims the task due first, or one whose lease expired (its process is gone), in a single UPDATE … RETURNING.
 * In SQLite a write statement takes the write lock before it reads, like BEGIN IMMEDIATE, so two processes
 * or two ticks can never claim the same task; on PostgreSQL the same statement is atomic per row.
 */
export async function claimDueTask(db: Knex, owner: string, nowIso: string, leaseUntilIso: string): Promise<ClaimedTask | undefined> {
  const due = db('tasks')
    .select('id')
    .where(claimable(nowIso))
    // Tasks not started yet first: a task handed back at the end of its time slice (or left by a dead process)
    // resumes once they have been claimed, instead of taking the turn back at once by its older send_at.
    .orderByRaw("case when status = 'scheduled' then 0 else 1 end")
    .orderBy('send_at')
    .limit(1);
  const rows = await db('tasks')
    .whereIn('id', due)
    .where(claimable(nowIso))
    .update({ status: 'sending', lease_owner: owner, lease_until: leaseUntilIso, started_at: db.raw('coalesce(started_at, ?)', [nowIso]), updated_at: nowIso })
    .returning(['id', 'send_at', 'started_at', 'cancelled_at']);
  const r = rows[0];
  return r ? { id: r.id, sendAt: r.send_at, startedAt: r.started_at, cancelledAt: r.cancelled_at } : undefined;
}

/** Whether a task other than this one is waiting to be claimed. */
export async function otherTaskDue(db: Knex, taskId: string, nowIso: string): Promise<boolean> {
  const row = await db('tasks').whereNot('id', taskId).where(claimable(nowIso)).first('id');
  return row !== undefined;
}

/** Extends the lease if we still hold it; false means the task was taken over or is no longer sending. */
export async function renewLease(db: Knex, taskId: string, owner: string, leaseUntilIso: string): Promise<boolean> {
  const n = await db('tasks').where({ id: taskId, status: 'sending', lease_owner: owner }).update({ lease_until: leaseUntilIso });
  return n > 0;
}

export interface BatchMessage {
  id: number;
  phone: string;
  content: string;
  attempts: number;
}

/**
 * Takes the next batch: messages left `submitting` by a crashed run first (resubmitted under the same id),
 * then pending ones whose back-off has passed; marks them `submitting` in one transaction with the lease
 * renewal, and commits before the carrier is called.
 */
export async function takeBatch(
  db: Knex,
  taskId: string,
  owner: string,
  size: number,
  nowIso: string,
  leaseUntilIso: string,
  /** False once the run settled what an earlier run left `submitting` (settleUnanswered): then only pending are taken, and the batches still at the carrier are never taken twice. */
  resumeSubmitting = true,
): Promise<BatchMessage[] | null> {
  return db.transaction(async (trx) => {
    const held = await trx('tasks').where({ id: taskId, status: 'sending', lease_owner: owner }).update({ lease_until: leaseUntilIso });
    if (held === 0) return null;
    // The first `size` by id of (submitting ∪ pending and due), as two range reads of the (task_id, status, id) index
    // merged here. One query with `status = … or status = …` walks (task_id, id) from the task's first message past
    // every row already sent: batch k read k × size rows, a 100,000-message task 25 million in all.
    const columns = ['id', 'phone', 'content', 'attempts'];
    const submitting = resumeSubmitting ? await trx('messages').where({ task_id: taskId, status: 'submitting' }).orderBy('id').limit(size).select(columns) : [];
    const pending = await trx('messages')
      .where({ task_id: taskId, status: 'pending' })
      .where((q) => q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', nowIso))
      .orderBy('id')
      .limit(size)
      .select(columns);
    const rows = (submitting.length ? [...submitting, ...pending].sort((a: { id: number }, b: { id: number }) => a.id - b.id) : pending).slice(0, size);
    if (rows.length === 0) return [];
    await markSubmitting(trx, rows.map((r: { id: number }) => r.id));
    return rows.map((r: BatchMessage) => ({ ...r, attempts: r.attempts + 1 }));
  });
}

export async function earliestRetry(db: Knex, taskId: string): Promise<string | null | undefined> {
  const row = await db('messages').where({ task_id: taskId }).whereIn('status', ['pending', 'submitting']).orderBy('next_attempt_at').first('next_attempt_at', 'status');
  if (!row) return undefined;
  return row.status === 'submitting' ? null : row.next_attempt_at;
}

/**
 * Ends the dispatch when no message is left pending or submitting: completed, or cancelled when a stop was
 * requested meanwhile. Returns whether the task ended.
 */
export async function finishIfDone(db: Knex, taskId: string, owner: string, nowIso: string): Promise<boolean> {
  const ended = await db('tasks')
    .where({ id: taskId, status: 'sending', lease_owner: owner })
    .whereNotExists(db('messages').where({ task_id: taskId }).whereIn('status', ['pending', 'submitting']).select('id'))
    .update({
      status: db.raw("case when cancelled_at is null then 'completed' else 'cancelled' end"),
      completed_at: nowIso,
      lease_owner: null,
      lease_until: null,
      updated_at: nowIso,
    });
  return ended > 0;
}

/**
 * Gives the task up: an expired lease makes it claimable, so the default (the past) hands it over at once; a time
 * in the future keeps everyone, this process included, from claiming it before then.
 */
export async function releaseLease(db: Knex, taskId: string, owner: string, claimableFromIso = '1970-01-01T00:00:00.000Z'): Promise<void> {
  await db('tasks').where({ id: taskId, lease_owner: owner, status: 'sending' }).update({ lease_until: claimableFromIso });
}
