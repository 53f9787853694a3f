import type { Knex } from 'knex';

/**
 * Aggregates over one task's messages for the details summary, each an index range of (task_id, submitted_at).
 */

/** The first and last sending time in [from, to) (either end open when null). */
export async function sendingTimeBounds(db: Knex, taskId: string, from: string | null, to: string | null): Promise<{ first: string; last: string } | null> {
  const range = () => {
    const q = db('messages').where('task_id', taskId).whereNotNull('submitted_at');
    if (from !== null) q.where('submitted_at', '>=', from);
    if (to !== null) q.where('submitted_at', '<', to);
    return q;
  };
  // Two index seeks: SQLite answers min() and max() together by reading the whole range.
  const first = await range().orderBy('submitted_at', 'asc').first('submitted_at');
  if (!first) return null;
  const last = await range().orderBy('submitted_at', 'desc').first('submitted_at');
  return { first: first.submitted_at as string, last: last.submitted_at as string };
}

/** How many messages were handed to the carrier in [from, to). */
export async function countSentBetween(db: Knex, taskId: string, from: string, to: string): Promise<number> {
  const [{ n }] = (await db('messages').where('task_id', taskId).where('submitted_at', '>=', from).where('submitted_at', '<', to).count({ n: '*' })) as { n: number }[];
  return Number(n);
}
