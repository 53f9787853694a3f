import type { MessageStatus } from '../queries/messages.queries';
import type { Task } from '../queries/tasks.queries';

/** The counters the dispatcher keeps on the task row, in the same transactions as the messages they count. */
export type TaskCounters = Pick<
  Task,
  'status' | 'recipientCount' | 'submittedCount' | 'deliveredCount' | 'failedCount' | 'rejectedCount' | 'cancelledCount' | 'unsentFailedCount'
> & { unknownCount?: number };

/**
 * A task's counts, the one definition behind the task list, the details page and `GET /api/v1/tasks/:id`.
 *
 * - byStatus: messages per status; they add up to the recipients, so every share is of that one total.
 * - handed: answered by the carrier, accepted (whatever happened next) or rejected at submit.
 * - outcomes: the list's numbers. `failed` includes the rejected (for the sender both mean "not delivered, may need
 *   a resend"); `pending` is everything without a final outcome yet: unsent, in flight or awaiting its receipt.
 * - rate: delivered among the messages with an outcome (delivered, failed, rejected); null before any outcome.
 */
export interface TaskCounts {
  recipients: number;
  byStatus: Record<MessageStatus, number>;
  handed: number;
  outcomes: { delivered: number; failed: number; rejected: number; pending: number; cancelled: number; unknown: number };
  rate: number | null;
}

/**
 * From the counters alone, so it holds after the retention job removed the task's messages. `submitting` is the
 * one number the counters cannot give: messages of a batch at the carrier right now (they still count as unsent);
 * the caller counts them from the index while the task sends, and passes 0 otherwise.
 */
export function taskCounts(task: TaskCounters, submitting = 0): TaskCounts {
  const { recipientCount: recipients, submittedCount: accepted, deliveredCount: delivered, failedCount: failed, rejectedCount: rejected, cancelledCount: cancelled } = task;
  // A completed task has nothing unsent by definition; tasks finished before the unsent-failed counter existed and
  // whose messages are gone could not have it counted, and would otherwise show those failures as unsent.
  // Unknown messages (SUBMIT_UNKNOWN) were handed over but never answered: neither unsent nor awaiting a receipt.
  const unknown = task.unknownCount ?? 0;
  const unsent = task.status === 'completed' ? 0 : Math.max(0, recipients - accepted - rejected - task.unsentFailedCount - cancelled - unknown);
  const inFlight = Math.min(Math.max(0, submitting), unsent);
  const awaiting = Math.max(0, recipients - unsent - delivered - failed - rejected - cancelled - unknown);
  return {
    recipients,
    byStatus: { pending: unsent - inFlight, submitting: inFlight, submitted: awaiting, delivered, failed, rejected, cancelled, unknown },
    handed: accepted + rejected + unknown,
    outcomes: { delivered, failed: failed + rejected, rejected, pending: Math.max(0, recipients - delivered - failed - rejected - cancelled - unknown), cancelled, unknown },
    rate: delivered + failed + rejected === 0 ? null : delivered / (delivered + failed + rejected),
  };
}
