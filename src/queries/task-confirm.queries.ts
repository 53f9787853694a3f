/**
 * A large confirm in parts (issue 15): the task waits in status `confirming` while its draft's recipients move into
 * `messages` a part at a time (src/services/confirm-move.service.ts). The dispatcher picks only `scheduled` and
 * `sending` tasks, so a task half-moved is never sent; a second confirm finds it no longer a draft.
 */
import type { Knex } from 'knex';
import { isPostgres } from '../db/dialect';

export interface ConfirmSnapshot {
  signature_text: string;
  template_name: string;
  template_content: string;
  sms_type: string;
  send_at: string;
  carrier_account_id: number | null;
}

/** Turns a draft into a task being confirmed, only if it is still a draft; returns whether this call did it. */
export async function markDraftConfirming(db: Knex, id: string, snapshot: ConfirmSnapshot): Promise<boolean> {
  const now = new Date().toISOString();
  const changed = await db('tasks')
    .where({ id, status: 'draft' })
    .update({ ...snapshot, status: 'confirming', confirm_moved: 0, expires_at: null, updated_at: now });
  return changed > 0;
}

/**
 * Whether the task is still being confirmed, read at the start of a part's transaction. On PostgreSQL the row is
 * locked until the part commits, so two movers of one task (two instances) take turns; SQLite's BEGIN IMMEDIATE
 * already gives the transaction the only write lock.
 */
export async function lockConfirmingTask(trx: Knex.Transaction, id: string): Promise<boolean> {
  const q = trx('tasks').where({ id, status: 'confirming' }).first('id');
  return (await (isPostgres(trx) ? q.forUpdate() : q)) !== undefined;
}

/** Counts a part's rows as moved; `updated_at` says the move is alive (staleConfirmingTasks). */
export async function addConfirmMoved(trx: Knex, id: string, rows: number): Promise<void> {
  await trx('tasks').where({ id }).increment('confirm_moved', rows).update({ updated_at: new Date().toISOString() });
}

/** The end of a confirm in parts: the task becomes `scheduled`, once; returns whether this call did it. */
export async function markConfirmingScheduled(trx: Knex, id: string): Promise<boolean> {
  const now = new Date().toISOString();
  return (await trx('tasks').where({ id, status: 'confirming' }).update({ status: 'scheduled', confirmed_at: now, updated_at: now })) > 0;
}

/** Tasks left in `confirming` with no part committed since `beforeIso`: their move stopped (a crash, a restart). */
export async function staleConfirmingTasks(db: Knex, beforeIso: string): Promise<string[]> {
  return (await db('tasks').where('status', 'confirming').where('updated_at', '<', beforeIso).orderBy('updated_at').pluck('id')) as string[];
}
