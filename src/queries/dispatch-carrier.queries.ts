import type { Knex } from 'knex';
import { dbClockIso } from '../db/dialect';

/** The account a task was frozen to at confirm (null for tasks confirmed before routing existed) and its SMS type. */
export async function taskCarrierAccount(db: Knex, taskId: string): Promise<{ accountId: number | null; smsType: string } | undefined> {
  const row = await db('tasks').where({ id: taskId }).first('carrier_account_id', 'sms_type');
  return row ? { accountId: (row.carrier_account_id as number) ?? null, smsType: row.sms_type as string } : undefined;
}

/** The task's messages left `submitting` by a run that ended before the carrier answered (dispatch-submit.service.ts settles them). */
export async function submittingIds(db: Knex, taskId: string): Promise<number[]> {
  return (await db('messages').where({ task_id: taskId, status: 'submitting' }).pluck('id')) as number[];
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
