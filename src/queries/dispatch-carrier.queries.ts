import type { Knex } from 'knex';
import { SUBMIT_UNKNOWN, type UnansweredPolicy } from '../carrier/carrier';
import { dbClockIso } from '../db/dialect';
import { recordBatchResults } from './dispatch.queries';

/** The account a task was frozen to at confirm (null for tasks confirmed before routing existed) and its SMS type. */
export async function taskCarrierAccount(db: Knex, taskId: string): Promise<{ accountId: number | null; smsType: string } | undefined> {
  const row = await db('tasks').where({ id: taskId }).first('carrier_account_id', 'sms_type');
  return row ? { accountId: (row.carrier_account_id as number) ?? null, smsType: row.sms_type as string } : undefined;
}

/**
 * Messages a run left `submitting` (it ended before recording the carrier's answer: a killed process, a failed
 * write). With an idempotent carrier, or an account that chose at-least-once, they go back to pending and are sent
 * again under the same id; otherwise the carrier may have them and cannot tell, so they end `unknown`
 * (SUBMIT_UNKNOWN) and are never sent twice. Returns how many were settled.
 */
export async function settleUnanswered(db: Knex, taskId: string, policy: UnansweredPolicy, nowIso: string): Promise<number> {
  if (policy === 'resubmit') {
    return db('messages').where({ task_id: taskId, status: 'submitting' }).update({ status: 'pending', next_attempt_at: null });
  }
  const ids = (await db('messages').where({ task_id: taskId, status: 'submitting' }).pluck('id')) as number[];
  const description = 'the run sending it ended before the carrier answered; not sent again, to avoid a duplicate';
  for (let from = 0; from < ids.length; from += 500) {
    const finals = ids.slice(from, from + 500).map((id) => ({ id, status: 'unknown' as const, code: SUBMIT_UNKNOWN, description }));
    await recordBatchResults(db, taskId, [], finals, nowIso);
  }
  return ids.length;
}

/**
 * The task's account (and fallback) is down: it waits, claimable again in `retryInMs` (a lease, so on the database's
 * clock), and shows "waiting for carrier" since the first time it had to wait.
 */
export async function waitForCarrier(db: Knex, taskId: string, owner: string, nowIso: string, retryInMs: number): Promise<void> {
  await db('tasks')
    .where({ id: taskId, lease_owner: owner, status: 'sending' })
    .update({ lease_until: dbClockIso(db, retryInMs), waiting_for_carrier_since: db.raw('coalesce(waiting_for_carrier_since, ?)', [nowIso]) });
}

export async function stopWaitingForCarrier(db: Knex, taskId: string): Promise<void> {
  await db('tasks').where({ id: taskId }).whereNotNull('waiting_for_carrier_since').update({ waiting_for_carrier_since: null });
}
