import type { Knex } from 'knex';
import { dbClockIso, skipLocked } from '../db/dialect';
import type Database from 'better-sqlite3';
import { runCompiled } from '../db/sqlite-statements';
import { markSubmitting, markSubmittingOn } from './message-transitions.queries';

/**
 * The claim side of dispatch (issue 13): which process holds a task, and which messages it takes next.
 *
 * Leases are written and compared on the database's clock (dbClockIso), never the process's: with several
 * instances, a box whose clock runs fast would otherwise find another's live lease expired and take the task over.
 * What is a matter of the calendar (a task's send time, a message's back-off, the end of quiet hours) stays on the
 * process's clock, the one the dispatcher is given (and tests replace).
 *
 * On PostgreSQL a claim reads its rows FOR UPDATE SKIP LOCKED, so instances claiming at once each get another row
 * instead of queueing behind one; SQLite has one writer and keeps its single UPDATE … RETURNING.
 */

export interface ClaimedTask {
  id: string;
  sendAt: string;
  startedAt: string | null;
  cancelledAt: string | null;
}

/**
 * A task that may be claimed now: due and not started; sending under a lease that expired (its process is gone or
 * handed it back); or paused for quiet hours that have ended (the pause keeps the lease until the window's end, a
 * time of the calendar, so that end is read on the process's clock).
 */
function claimable(db: Knex, nowIso: string) {
  return (q: Knex.QueryBuilder) =>
    q
      .where((q1) => q1.where('status', 'scheduled').where('send_at', '<=', nowIso))
      .orWhere((q2) =>
        q2
          .where('status', 'sending')
          .where((q3) => q3.where('lease_until', '<', dbClockIso(db)).orWhere((q4) => q4.whereNotNull('quiet_paused_until').where('quiet_paused_until', '<=', nowIso))),
      );
}

/**
 * Claims the task due first, or one whose lease expired, in a single UPDATE … RETURNING. On SQLite a write statement
 * takes the write lock before it reads, so two processes can never claim the same task; on PostgreSQL the row is
 * picked FOR UPDATE SKIP LOCKED and checked again by the UPDATE. The lease runs `leaseMs` on the database's clock.
 * A quiet-hours pause ends with the claim: its time, now past, would make the task claimable by everyone.
 */
export async function claimDueTask(db: Knex, owner: string, nowIso: string, leaseMs: number): Promise<ClaimedTask | undefined> {
  const due = db('tasks')
    .select('id')
    .where(claimable(db, nowIso))
    // Tasks not started yet first: a task handed back at the end of its time slice (or left by a dead process)
    // resumes once they have been claimed, instead of taking the turn back at once by its older send_at.
    .orderByRaw("case when status = 'scheduled' then 0 else 1 end")
    .orderBy('send_at')
    .limit(1);
  // `id = (…)`, a scalar subquery PostgreSQL runs once, not `id in (…)`: as a semi-join it can be run again for each
  // row, and SKIP LOCKED then passes over the row this statement just updated and picks the next task too.
  const rows = await db('tasks')
    .where('id', skipLocked(db, due))
    .where(claimable(db, nowIso))
    .update({
      status: 'sending',
      lease_owner: owner,
      lease_until: dbClockIso(db, leaseMs),
      quiet_paused_until: null,
      started_at: db.raw('coalesce(started_at, ?)', [nowIso]),
      updated_at: nowIso,
    })
    .returning(['id', 'send_at', 'started_at', 'cancelled_at']);
  const r = rows[0];
  return r ? { id: r.id, sendAt: r.send_at, startedAt: r.started_at, cancelledAt: r.cancelled_at } : undefined;
}

/** Whether a task other than this one is waiting to be claimed. */
export async function otherTaskDue(db: Knex, taskId: string, nowIso: string): Promise<boolean> {
  const row = await db('tasks').whereNot('id', taskId).where(claimable(db, nowIso)).first('id');
  return row !== undefined;
}

/** Extends the lease to `leaseMs` from now (the database's now) if we still hold it; false: taken over or no longer sending. */
export async function renewLease(db: Knex, taskId: string, owner: string, leaseMs: number): Promise<boolean> {
  const n = await db('tasks').where({ id: taskId, status: 'sending', lease_owner: owner }).update({ lease_until: dbClockIso(db, leaseMs) });
  return n > 0;
}

export interface BatchMessage {
  id: number;
  phone: string;
  content: string;
  attempts: number;
}

const BATCH_COLUMNS = ['id', 'phone', 'content', 'attempts'];

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
  leaseMs: number,
  /** False once the run settled what an earlier run left `submitting` (settleUnanswered): then only pending are taken, and the batches still at the carrier are never taken twice. */
  resumeSubmitting = true,
): Promise<BatchMessage[] | null> {
  return db.transaction(async (trx) => {
    // First, and a write: on PostgreSQL it locks the task row until the commit, so a process that took the task
    // over meanwhile waits here and then finds the lease is no longer ours.
    const held = await leaseHeld(trx, taskId, owner, leaseMs);
    if (held === 0) return null;
    // The first `size` by id of (submitting ∪ pending and due), as two range reads of the (task_id, status, id) index
    // merged here. One query with `status = … or status = …` walks (task_id, id) from the task's first message past
    // every row already sent: batch k read k × size rows, a 100,000-message task 25 million in all.
    const submitting = resumeSubmitting ? await skipLocked(trx, trx('messages').where({ task_id: taskId, status: 'submitting' }).orderBy('id').limit(size).select(BATCH_COLUMNS)) : [];
    const pending = await skipLocked(trx, duePending(trx, taskId, size, nowIso));
    const rows = (submitting.length ? [...submitting, ...pending].sort((a: { id: number }, b: { id: number }) => Number(a.id) - Number(b.id)) : pending).slice(0, size) as BatchMessage[];
    if (rows.length === 0) return [];
    await markSubmitting(trx, rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
  });
}

const leaseHeld = (db: Knex, taskId: string, owner: string, leaseMs: number) =>
  db('tasks').where({ id: taskId, status: 'sending', lease_owner: owner }).update({ lease_until: dbClockIso(db, leaseMs) });

const duePending = (db: Knex, taskId: string, size: number, nowIso: string) =>
  db('messages')
    .where({ task_id: taskId, status: 'pending' })
    .where((q) => q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', nowIso))
    .orderBy('id')
    .limit(size)
    .select(BATCH_COLUMNS);

/**
 * takeBatch (pending only, as a run takes them once it settled what an earlier run left) on a SQLite connection held
 * outside knex, in its transaction (the dispatch writes thread, dispatch-writes.worker.ts): the same statements,
 * compiled by `db`, run synchronously.
 */
export function takeBatchOn(conn: Database.Database, db: Knex, taskId: string, owner: string, size: number, nowIso: string, leaseMs: number): BatchMessage[] | null {
  if (runCompiled(conn, leaseHeld(db, taskId, owner, leaseMs)).changes === 0) return null;
  const rows = runCompiled(conn, duePending(db, taskId, size, nowIso)).rows as unknown as BatchMessage[];
  if (rows.length === 0) return [];
  markSubmittingOn(conn, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
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
 * Gives the task up: an expired lease makes it claimable, so by default (a time in the past) it is handed over at
 * once; `claimableInMs` keeps everyone, this process included, from claiming it for that long (the database's clock).
 */
export async function releaseLease(db: Knex, taskId: string, owner: string, claimableInMs?: number): Promise<void> {
  const until = claimableInMs === undefined ? '1970-01-01T00:00:00.000Z' : dbClockIso(db, claimableInMs);
  await db('tasks').where({ id: taskId, lease_owner: owner, status: 'sending' }).update({ lease_until: until });
}
