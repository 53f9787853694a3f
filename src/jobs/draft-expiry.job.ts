import type { Knex } from 'knex';
import { deleteExpiredDrafts } from '../queries/tasks.queries';

/**
 * Drafts older than 24 h are deleted with their rows, a few tasks at a time so no single transaction holds
 * the write lock for long; confirm refuses an expired draft even before this job removes it.
 */
export async function runDraftExpiry(db: Knex, now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await deleteExpiredDrafts(db, now.toISOString(), 1);
    total += removed;
    if (removed === 0) return total;
  }
}
