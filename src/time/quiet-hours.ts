import { formatDateTime } from './zoned-time';

/**
 * A daily window of local wall-clock time, `start` inclusive, `end` exclusive, in minutes after midnight. A window
 * whose start is after its end runs over midnight (21:00–08:00). Enforced quiet hours (a later issue) will read
 * their window from the settings and pass it here; today the only window is the fixed marketing night.
 */
export interface DailyWindow {
  start: number;
  end: number;
}

/** Marketing SMS sent at night annoy people (and Chinese rules frown on it): 21:00 to 08:00 in the task's zone. */
export const MARKETING_NIGHT: DailyWindow = { start: 21 * 60, end: 8 * 60 };

/** `HH:MM` for a minute of the day, as the notice and the form's script show and read it. */
export function minuteLabel(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** Whether a minute of the day (0–1439) falls in the window. An empty window (start = end) holds no minute. */
export function inDailyWindow(minute: number, window: DailyWindow): boolean {
  if (window.start === window.end) return false;
  return window.start < window.end ? minute >= window.start && minute < window.end : minute >= window.start || minute < window.end;
}

/** The minute of the day an instant is, on the wall clock of the zone. */
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
