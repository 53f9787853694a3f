import type { Knex } from 'knex';
import { MESSAGE_INDEX, messagesUsing } from './message-list.queries';

/** Queries of "resend to failed": the messages to send again, the numbers never to send again, the drafts made. */

export interface ResendCandidate {
  id: number;
  rowNumber: number;
  phone: string;
  params: string[];
}

/**
 * The task's messages in one status, in id order, `batch` at a time: one range of (task_id, status, id) each,
 * where an IN over several statuses would sort the remaining matches again for every batch.
 */
export async function* messagesInStatus(db: Knex, taskId: string, status: string, batch = 1000): AsyncGenerator<ResendCandidate[]> {
  let after = 0;
  for (;;) {
    const rows = (await messagesUsing(db, MESSAGE_INDEX.status)
      .where({ task_id: taskId, status })
      .where('id', '>', after)
      .orderBy('id')
      .limit(batch)
      .select('id', 'row_number', 'phone', 'params')) as Record<string, unknown>[];
    if (rows.length === 0) return;
    yield rows.map((r) => ({ id: r.id as number, rowNumber: r.row_number as number, phone: r.phone as string, params: JSON.parse(r.params as string) as string[] }));
    if (rows.length < batch) return;
    after = rows[rows.length - 1].id as number;
  }
}

const IN_CHUNK = 500;

/**
 * Which of these numbers the task has in one of `statuses`. Most numbers appear once in a task, and a number's
 * only message is the candidate itself: so the numbers appearing more than once are found first, from the
 * (task_id, phone) index alone, and only their messages are read (a table lookup each; reading every candidate's
 * status cost 80 ms per 500 numbers on a 1,000,000-message task).
 */
export async function numbersWithStatus(db: Knex, taskId: string, phones: readonly string[], statuses: readonly string[]): Promise<Set<string>> {
  const repeated: string[] = [];
  for (let i = 0; i < phones.length; i += IN_CHUNK) {
    const rows = (await messagesUsing(db, MESSAGE_INDEX.phone)
      .where('task_id', taskId)
      .whereIn('phone', phones.slice(i, i + IN_CHUNK))
      .groupBy('phone')
      .havingRaw('count(*) > 1')
      .select('phone')) as { phone: string }[];
    repeated.push(...rows.map((r) => r.phone));
  }
  const found = new Set<string>();
  for (let i = 0; i < repeated.length; i += IN_CHUNK) {
    const rows = (await messagesUsing(db, MESSAGE_INDEX.phone)
      .where('task_id', taskId)
      .whereIn('phone', repeated.slice(i, i + IN_CHUNK))
      .whereIn('status', statuses)
      .distinct('phone')) as { phone: string }[];
    for (const r of rows) found.add(r.phone);
  }
  return found;
}

export interface ResendDraftRow {
  id: string;
  createdBy: number;
  formState: Record<string, string>;
}

/** Drafts made from this source that can still be confirmed. */
export async function openResendDrafts(db: Knex, sourceId: string, nowIso: string): Promise<ResendDraftRow[]> {
  const rows = (await db('tasks')
    .where({ resend_of: sourceId, status: 'draft' })
    .where('expires_at', '>', nowIso)
    .orderBy('id')
    .select('id', 'created_by', 'form_state')) as Record<string, unknown>[];
  return rows.map((r) => ({ id: r.id as string, createdBy: r.created_by as number, formState: JSON.parse((r.form_state as string) || '{}') }));
}

/** The tasks made from this one by resending, oldest first, drafts included (their page is the check report). */
export async function listResends(db: Knex, sourceId: string): Promise<{ id: string; status: string; createdBy: number }[]> {
  const rows = (await db('tasks').where('resend_of', sourceId).orderBy('id').select('id', 'status', 'created_by')) as Record<string, unknown>[];
  return rows.map((r) => ({ id: r.id as string, status: r.status as string, createdBy: r.created_by as number }));
}
