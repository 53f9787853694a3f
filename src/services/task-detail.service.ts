import type { Knex } from 'knex';
import type { Task } from '../queries/tasks.queries';
import { MESSAGE_STATUSES, type MessageStatus } from '../queries/messages.queries';
import { countOpenMessages } from '../queries/message-stats.queries';
import { countMessages, hasMessages, listMessages, prefixPlan, type Cursor, type FilteredCount, type MessageFilter, type MessageListRow } from '../queries/message-list.queries';
import { sendDays, type SendDay } from './send-days.service';

export const MESSAGE_PAGE_SIZE = 50;
/** Filtered counts above this show as "more than 100,000" (status-only filters are exact from the counters). */
export const FILTERED_COUNT_CAP = 100_000;

export function isFinished(task: Pick<Task, 'status'>): boolean {
  return task.status === 'completed' || task.status === 'cancelled';
}

/**
 * Messages per status from the task's counters, which change in the same transactions as the messages: delivered,
 * failed, rejected and cancelled are counted directly and the rest sum to the recipient count. Only a task still
 * sending (or waiting) needs its open messages counted, from the index. A 1,000,000-message task would otherwise
 * be counted on every view (about 0.1 s), and the counters still hold after the retention job removed the rows.
 */
export async function statusCounts(db: Knex, task: Task): Promise<Record<MessageStatus, number>> {
  const open = isFinished(task) ? { pending: 0, submitting: 0 } : await countOpenMessages(db, task.id);
  const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
  counts.delivered = task.deliveredCount;
  counts.failed = task.failedCount;
  counts.rejected = task.rejectedCount;
  counts.cancelled = task.cancelledCount;
  counts.pending = open.pending;
  counts.submitting = open.submitting;
  const settled = counts.delivered + counts.failed + counts.rejected + counts.cancelled + open.pending + open.submitting;
  counts.submitted = Math.max(0, task.recipientCount - settled);
  return counts;
}

/** Delivered among the messages with an outcome (delivered, failed, rejected); null before any outcome. */
export function deliveryRate(counts: Record<MessageStatus, number>): number | null {
  const outcomes = counts.delivered + counts.failed + counts.rejected;
  return outcomes === 0 ? null : counts.delivered / outcomes;
}

export interface TaskSummary {
  counts: Record<MessageStatus, number>;
  /** Answered by the carrier: accepted (whatever happened next) or rejected at submit. */
  handed: number;
  rate: number | null;
  days: SendDay[];
  /** The retention job removed the message rows; the counts above come from the task row. */
  detailsRemoved: boolean;
}

export async function taskSummary(db: Knex, task: Task, timeZone: string): Promise<TaskSummary> {
  const counts = await statusCounts(db, task);
  const detailsRemoved = task.recipientCount > 0 && !(await hasMessages(db, task.id));
  return {
    counts,
    handed: task.submittedCount + task.rejectedCount,
    rate: deliveryRate(counts),
    days: detailsRemoved ? [] : await sendDays(db, task, timeZone),
    detailsRemoved,
  };
}

export interface MessagePage {
  rows: MessageListRow[];
  count: FilteredCount;
  /** Cursor links: `after` for the next page, `before` for the previous one; null when there is none. */
  next: number | null;
  prev: number | null;
}

/** The filtered count: exact and free from the counters when only the status is filtered. */
async function filteredCount(db: Knex, task: Task, filter: MessageFilter, counts: Record<MessageStatus, number>): Promise<FilteredCount> {
  const onlyStatus = filter.phone === undefined && filter.phonePrefix === undefined && filter.code === undefined;
  if (onlyStatus && filter.status === undefined) return { count: task.recipientCount, bound: 'exact' };
  if (onlyStatus) return { count: counts[filter.status as MessageStatus] ?? 0, bound: 'exact' };
  return countMessages(db, filter, FILTERED_COUNT_CAP);
}

export async function messagePage(db: Knex, task: Task, filter: MessageFilter, cursor: Cursor, counts: Record<MessageStatus, number>): Promise<MessagePage> {
  const plan = await prefixPlan(db, filter, FILTERED_COUNT_CAP);
  const { rows, more } = await listMessages(db, filter, cursor, MESSAGE_PAGE_SIZE, plan?.index);
  const count = plan?.count ?? (await filteredCount(db, task, filter, counts));
  const backwards = cursor.before !== undefined;
  const first = rows[0]?.id ?? null;
  const last = rows[rows.length - 1]?.id ?? null;
  return {
    rows,
    count,
    // Reading forwards, a page exists before this one whenever we came from a cursor; reading backwards, after it.
    next: backwards ? (last ?? cursor.before! - 1) : more ? last : null,
    prev: backwards ? (more ? first : null) : cursor.after !== undefined ? (first ?? cursor.after + 1) : null,
  };
}
