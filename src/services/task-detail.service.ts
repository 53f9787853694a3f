import type { Knex } from 'knex';
import type { Task } from '../queries/tasks.queries';
import type { MessageStatus } from '../queries/messages.queries';
import { countMessages, hasMessages, listMessages, prefixPlan, type Cursor, type FilteredCount, type MessageFilter, type MessageListRow } from '../queries/message-list.queries';
import { sendDays, type SendDay } from './send-days.service';
import { loadTaskCounts } from './task-progress.service';

export const MESSAGE_PAGE_SIZE = 50;
/** Filtered counts above this show as "more than 100,000" (status-only filters are exact from the counters). */
export const FILTERED_COUNT_CAP = 100_000;

export function isFinished(task: Pick<Task, 'status'>): boolean {
  return task.status === 'completed' || task.status === 'cancelled';
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

/** The counts are the task list's and the API's (src/tasks/task-counts.ts): from the counters on the task row. */
export async function taskSummary(db: Knex, task: Task, timeZone: string): Promise<TaskSummary> {
  const { byStatus: counts, handed, rate } = await loadTaskCounts(db, task);
  const detailsRemoved = task.recipientCount > 0 && !(await hasMessages(db, task.id));
  return {
    counts,
    handed,
    rate,
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
  const onlyStatus = filter.phone === undefined && filter.phonePrefix === undefined && filter.phoneSuffix === undefined && filter.code === undefined;
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
