import type { Knex } from 'knex';
import type { MessageStatus } from '../queries/messages.queries';
import { submittingCounts, taskCountersByIds, type TaskListRow } from '../queries/task-list.queries';

/**
 * A task's progress from the counters the dispatcher keeps on the task row (never by counting its messages,
 * which at 1,000,000 rows would be far too slow for a list or a poll).
 *
 * - handed: messages the carrier has answered, accepted (submitted, then delivered or failed) or rejected.
 * - outcomes: the list's three numbers. `failed` includes the messages rejected at submit: for the sender both
 *   mean "not delivered, may need a resend", and with it delivered + failed + pending + cancelled = recipients.
 *   `pending` is everything without a final outcome yet: not yet sent, in flight, or awaiting its receipt.
 * - counts: by message status, as the task details show them.
 */
export interface TaskProgress {
  id: string;
  status: TaskListRow['status'];
  recipients: number;
  handed: number;
  outcomes: { delivered: number; failed: number; rejected: number; pending: number; cancelled: number };
  counts: Record<MessageStatus, number>;
}

/** `submitting`: messages of a batch in flight right now (the counters count them as not yet handed). */
export function progressOf(task: TaskListRow, submitting = 0): TaskProgress {
  const { recipientCount: recipients, submittedCount, deliveredCount: delivered, failedCount: failed, rejectedCount: rejected, cancelledCount: cancelled } = task;
  const handed = submittedCount + rejected;
  const unsent = Math.max(0, recipients - handed - cancelled);
  const inFlight = Math.min(submitting, unsent);
  return {
    id: task.id,
    status: task.status,
    recipients,
    handed,
    outcomes: { delivered, failed: failed + rejected, rejected, pending: Math.max(0, recipients - delivered - failed - rejected - cancelled), cancelled },
    counts: {
      pending: unsent - inFlight,
      submitting: inFlight,
      submitted: Math.max(0, submittedCount - delivered - failed),
      delivered,
      failed,
      rejected,
      cancelled,
    },
  };
}

/** Progress of the given tasks (unknown ids and drafts left out), in the order asked. */
export async function loadProgress(db: Knex, ids: readonly string[]): Promise<TaskProgress[]> {
  const rows = await taskCountersByIds(db, ids);
  const inFlight = await submittingCounts(
    db,
    rows.filter((r) => r.status === 'sending').map((r) => r.id),
  );
  const byId = new Map(rows.map((r) => [r.id, progressOf(r, inFlight.get(r.id) ?? 0)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
