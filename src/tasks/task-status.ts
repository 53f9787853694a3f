import type { Task } from '../queries/tasks.queries';

/** The status a task's badge shows: its own status, and "stopped" for a task stopped while it was sending. */
export type ShownStatus = Task['status'] | 'stopped';

/**
 * A stop shows at once (issue 12, item 2): the task keeps status `sending` until the batch the carrier holds comes
 * back (the dispatcher then ends it as `cancelled`), but nothing more will be sent, so its badge says "stopped"
 * from the moment Stop is pressed; and a cancelled task that had started was stopped, not cancelled beforehand.
 */
export function shownStatus(task: Pick<Task, 'status' | 'cancelledAt' | 'startedAt'>): ShownStatus {
  if (task.cancelledAt && (task.status === 'sending' || (task.status === 'cancelled' && task.startedAt))) return 'stopped';
  return task.status;
}

/** What the task bills: the messages it sent, not the cancelled ones that never left. */
export function billed(task: Pick<Task, 'totalSegments' | 'totalChars' | 'cancelledSegments' | 'cancelledChars'>): { segments: number; chars: number } {
  return { segments: task.totalSegments - task.cancelledSegments, chars: task.totalChars - task.cancelledChars };
}
