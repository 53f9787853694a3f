import { formatDateTime } from './zoned-time';

/**
 * Daily windows of local wall-clock time, `start` inclusive, `end` exclusive, in minutes after midnight. A window
 * whose start is after its end runs over midnight (21:00–08:00); an empty window (start = end) holds no minute.
 * Two rules read them: the send form's (non-blocking) night notice for marketing, and the enforced quiet hours
 * from /settings (issue 14), which refuse a marketing schedule and pause a marketing task.
 */
export interface DailyWindow {
  start: number;
  end: number;
}

/** Marketing SMS sent at night annoy people (and Chinese rules frown on it): 21:00 to 08:00 in the task's zone. */
export const MARKETING_NIGHT: DailyWindow = { start: 21 * 60, end: 8 * 60 };

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

/** `HH:MM` for a minute of the day, as the notice and the form's script show and read it. */
export function minuteLabel(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The minute of the day an `HH:MM` text names, or null when it names none. */
export function minuteOfDay(hhmm: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Whether a minute of the day (0–1439) falls in the window. */
export function inDailyWindow(minute: number, window: DailyWindow): boolean {
  if (window.start === window.end) return false;
  return window.start < window.end ? minute >= window.start && minute < window.end : minute >= window.start || minute < window.end;
}

/** The minute of the day an instant is, on the wall clock of the zone (Intl does the zone and its DST). */
export function localMinuteOfDay(instant: Date, timeZone: string): number {
  const hhmm = formatDateTime(instant, timeZone).slice(11, 16);
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export interface NightCheck {
  smsType: string;
  /** When the task will start: its scheduled time, or now for "send now". */
  startsAt: Date;
  timeZone: string;
}

/** Whether a task should carry the (non-blocking) night notice: a marketing task starting inside the window. */
export function marketingAtNight(task: NightCheck, window: DailyWindow = MARKETING_NIGHT): boolean {
  if (task.smsType !== 'marketing') return false;
  if (Number.isNaN(task.startsAt.getTime())) return false;
  return inDailyWindow(localMinuteOfDay(task.startsAt, task.timeZone), window);
}

/** The enforced quiet hours as /settings stores them: `HH:MM` bounds in their own zone, switchable off. */
export interface QuietHours {
  enabled: boolean;
  start: string;
  end: string;
  timeZone: string;
}

export function isQuietAt(quiet: QuietHours, at: Date): boolean {
  if (!quiet.enabled) return false;
  const start = minuteOfDay(quiet.start);
  const end = minuteOfDay(quiet.end);
  if (start === null || end === null) return false;
  return inDailyWindow(localMinuteOfDay(at, quiet.timeZone), { start, end });
}

/**
 * The first instant at or after `at` outside the window: `at` itself when it is outside. Found by walking wall-clock
 * minutes rather than by adding the window's length, so a DST change inside the window (a night one hour shorter or
 * longer, an end time that does not exist that day) still ends it at the first real minute past its end.
 */
export function nextAllowedAt(quiet: QuietHours, at: Date): Date {
  if (!isQuietAt(quiet, at)) return at;
  let t = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  // At most a day of minutes plus the hour a DST change can add.
  for (let i = 0; i <= DAY_MINUTES + 60; i += 1, t += MINUTE_MS) {
    if (!isQuietAt(quiet, new Date(t))) return new Date(t);
  }
  return new Date(t);
}
