import { formatDateTime } from './zoned-time';

/**
 * Quiet hours for marketing (issue 14): a daily window of local wall-clock time, in its own zone, during which no
 * marketing message is sent. `start` and `end` are `HH:MM`; a window whose start is after its end spans midnight
 * (21:00–08:00). Start inclusive, end exclusive.
 */
export interface QuietHours {
  enabled: boolean;
  start: string;
  end: string;
  timeZone: string;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

export function minuteOfDay(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The wall-clock minute of the day at an instant in the zone (Intl does the zone and its DST). */
function localMinute(at: Date, timeZone: string): number {
  const text = formatDateTime(at, timeZone);
  return Number(text.slice(11, 13)) * 60 + Number(text.slice(14, 16));
}

function insideMinutes(minute: number, start: number, end: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

export function isQuietAt(window: QuietHours, at: Date): boolean {
  if (!window.enabled) return false;
  const start = minuteOfDay(window.start);
  const end = minuteOfDay(window.end);
  if (start === null || end === null || start === end) return false;
  return insideMinutes(localMinute(at, window.timeZone), start, end);
}

/**
 * The first instant at or after `at` outside the window: `at` itself when it is outside. Found by walking wall-clock
 * minutes rather than by adding the window's length, so a DST change inside the window (a night one hour shorter or
 * longer, an end time that does not exist that day) still ends it at the first real minute past its end.
 */
export function nextAllowedAt(window: QuietHours, at: Date): Date {
  if (!isQuietAt(window, at)) return at;
  let t = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  // At most a day of minutes plus the hour a DST change can add.
  for (let i = 0; i <= DAY_MINUTES + 60; i += 1, t += MINUTE_MS) {
    if (!isQuietAt(window, new Date(t))) return new Date(t);
  }
  return new Date(t);
}
