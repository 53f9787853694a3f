import type { Knex } from 'knex';

export async function earliestRetry(db: Knex, taskId: string): Promise<string | null | undefined> {
  const row = await db('messages').where({ task_id: taskId }).whereIn('status', ['pending', 'submitting']).orderBy('next_attempt_at').first('next_attempt_at', 'status');
  if (!row) return undefined;
  return row.status === 'submitting' ? null : row.next_attempt_at;
}
