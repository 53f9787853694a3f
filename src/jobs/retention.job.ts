import type { Knex } from 'knex';
import { deleteMessageBatch, tasksPastRetention } from '../queries/retention.queries';
import { getSettings } from '../services/settings.service';
import { runAuditRetention } from '../services/audit.service';

export const RETENTION_BATCH = 1000;
const TASKS_PER_ROUND = 50;

export interface RetentionResult {
  tasks: number;
  messages: number;
  receipts: number;
  /** DELETE transactions run (one per batch). */
  batches: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Removes the message rows (and their receipts) of tasks finished more than `retentionDays` ago, 1,000 at a time,
 * each batch its own short transaction with a turn of the event loop between them: the app's one connection
 * serves page views and the dispatcher in between, and no lock is ever held for long. The task row stays, with
 * its counters and totals; its page then says the per-message details were removed.
 */
export async function runRetention(db: Knex, retentionDays: number, now = new Date(), batch = RETENTION_BATCH): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const result: RetentionResult = { tasks: 0, messages: 0, receipts: 0, batches: 0 };
  for (;;) {
    const taskIds = await tasksPastRetention(db, cutoff, TASKS_PER_ROUND);
    if (taskIds.length === 0) return result;
    for (const taskId of taskIds) {
      result.tasks += 1;
      for (;;) {
        const removed = await deleteMessageBatch(db, taskId, batch);
        if (removed.messages === 0) break;
        result.batches += 1;
        result.messages += removed.messages;
        result.receipts += removed.receipts;
        await nextTurn();
      }
    }
  }
}

/**
 * The daily job: the retention settings as they are now. Message rows first, then audit records past
 * `auditRetentionDays` (the one path the database lets delete them: src/queries/audit-records.queries.ts).
 */
export async function runRetentionJob(db: Knex): Promise<RetentionResult & { auditRecords: number }> {
  // Only the day counts are read, which do not depend on the configured zone (the one config value settings use).
  const { retentionDays, auditRetentionDays } = await getSettings(db, { timeZone: 'UTC' });
  const result = await runRetention(db, retentionDays);
  return { ...result, auditRecords: await runAuditRetention(db, auditRetentionDays) };
}
