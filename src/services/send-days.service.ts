import type { Knex } from 'knex';
import type { Task } from '../queries/tasks.queries';
import { countSentBetween, sendingTimeBounds } from '../queries/message-stats.queries';
import { formatDateTime, parseLocalDateTime } from '../time/zoned-time';

/** One local calendar day of a task's sending: when it first and last handed a message over, and how many. */
export interface SendDay {
  /** `2026-11-25` in the configured zone. */
  date: string;
  first: string;
  last: string;
  count: number;
}

/** The local date of an instant in the zone. */
export function localDate(iso: string, timeZone: string): string {
  return formatDateTime(iso, timeZone).slice(0, 10);
}

/** The next calendar date (`2026-11-30` -> `2026-12-01`); calendar arithmetic, so any zone's rules are irrelevant. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The instant a local day starts: midnight, or the first hour that exists where a DST change skips midnight. */
export function startOfLocalDay(date: string, timeZone: string): string {
  for (let hour = 0; hour < 24; hour += 1) {
    const start = parseLocalDateTime(`${date} ${String(hour).padStart(2, '0')}:00`, timeZone);
    if (start) return start.toISOString();
  }
  throw new RangeError(`no start of day for ${date} in ${timeZone}`);
}

/**
 * The days a task sent on, each from index seeks and one index range count. A finished task's sending times never
 * change, so its days are kept per database and zone: a 1,000,000-message task counts its rows once (about 0.1 s),
 * not on every view.
 */
const finishedDays = new WeakMap<Knex, Map<string, SendDay[]>>();
const CACHE_SIZE = 500;

export async function sendDays(db: Knex, task: Task, timeZone: string): Promise<SendDay[]> {
  const finished = task.status === 'completed' || task.status === 'cancelled';
  const key = `${task.id}|${timeZone}`;
  const cache = finishedDays.get(db) ?? new Map<string, SendDay[]>();
  finishedDays.set(db, cache);
  const cached = finished ? cache.get(key) : undefined;
  if (cached) return cached;

  const days: SendDay[] = [];
  let from: string | null = null;
  for (;;) {
    // Jump straight to the next day with a send: a task paused for a week costs no query per empty day.
    const next = await sendingTimeBounds(db, task.id, from, null);
    if (!next) break;
    const date = localDate(next.first, timeZone);
    const end = startOfLocalDay(nextDate(date), timeZone);
    const bounds = (await sendingTimeBounds(db, task.id, next.first, end))!;
    days.push({ date, first: bounds.first, last: bounds.last, count: await countSentBetween(db, task.id, next.first, end) });
    from = end;
  }
  if (finished) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, days);
  }
  return days;
}
