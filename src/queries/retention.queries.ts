import type { Knex } from 'knex';

/**
 * The retention job's reads and deletes. A task's age is its completion time, or its creation time when it has
 * none (tasks from before dispatch kept one). Only finished tasks qualify: a task still sending or waiting keeps
 * every row however old it is.
 */

/** Finished tasks older than the cutoff that still have message rows, oldest first. */
export async function tasksPastRetention(db: Knex, cutoffIso: string, limit: number): Promise<string[]> {
  return (await db('tasks')
    .whereIn('status', ['completed', 'cancelled'])
    .where(db.raw('coalesce(completed_at, created_at)'), '<', cutoffIso)
    .whereExists(db('messages').select(db.raw('1')).whereRaw('messages.task_id = tasks.id'))
    .orderBy('id')
    .limit(limit)
    .pluck('id')) as string[];
}

/**
 * Deletes the task's first `batch` messages and their receipts in one short transaction (receipts reference
 * messages; both deletes are index lookups by id), so the write lock is held for milliseconds at a time.
 * Returns how many messages and receipts went.
 */
export async function deleteMessageBatch(db: Knex, taskId: string, batch: number): Promise<{ messages: number; receipts: number }> {
  return db.transaction(async (trx) => {
    const ids = (await trx('messages').where('task_id', taskId).orderBy('id').limit(batch).pluck('id')) as number[];
    if (ids.length === 0) return { messages: 0, receipts: 0 };
    const receipts = await trx('receipts').whereIn('message_id', ids).delete();
    const messages = await trx('messages').whereIn('id', ids).delete();
    return { messages, receipts };
  });
}
