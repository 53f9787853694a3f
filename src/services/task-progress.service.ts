import type { Knex } from 'knex';
import type { MessageStatus } from '../queries/messages.queries';
import { submittingCounts, taskCountersByIds, type TaskListRow } from '../queries/task-list.queries';
import { shownStatus, type ShownStatus } from '../tasks/task-status';
import { taskCounts, type TaskCounters, type TaskCounts } from '../tasks/task-counts';

/**
 * A task's progress as the list and the polls show it: its counts (src/tasks/task-counts.ts, from the counters on
 * the task row, never by counting its messages, which at 1,000,000 rows would be far too slow for a list or a poll).
 * `counts` is by message status, as the task details show them.
 */
export interface TaskProgress {
  id: string;
  status: TaskListRow['status'];
  /** What the badge says: "stopped" as soon as a stop is asked (src/tasks/task-status.ts). */
  badge: ShownStatus;
  recipients: number;
  handed: number;
  outcomes: TaskCounts['outcomes'];
  counts: Record<MessageStatus, number>;
  rate: number | null;
}

/** `submitting`: messages of a batch in flight right now (the counters count them as not yet handed). */
export function progressOf(task: TaskListRow, submitting = 0): TaskProgress {
  const c = taskCounts(task, submitting);
  return { id: task.id, status: task.status, badge: shownStatus(task), recipients: c.recipients, handed: c.handed, outcomes: c.outcomes, counts: c.byStatus, rate: c.rate };
}

/** One task's counts, with its batch in flight counted from the index while it sends. */
export async function loadTaskCounts(db: Knex, task: TaskCounters & { id: string }): Promise<TaskCounts> {
  const inFlight = task.status === 'sending' ? ((await submittingCounts(db, [task.id])).get(task.id) ?? 0) : 0;
  return taskCounts(task, inFlight);
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
