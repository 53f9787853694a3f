import { formatDateTime } from '../time/zoned-time';

/** The local calendar day (YYYY-MM-DD) of an instant in a zone: the key of the marketing counters. */
export function localDay(at: Date, timeZone: string): string {
  return formatDateTime(at, timeZone).slice(0, 10);
}

/** The day `days` calendar days before this one (calendar arithmetic, so DST days of 23 or 25 hours do not matter). */
export function daysBefore(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

export interface Caps {
  perDay: number;
  perPeriod: number;
  periodDays: number;
}

/**
 * Whether one more marketing message to a number would go over a cap, given its counts per day (the window is
 * `today` and the periodDays - 1 days before it). A cap of 0 is no cap.
 */
export function overCap(counts: ReadonlyMap<string, number> | undefined, today: string, caps: Caps): boolean {
  if (!counts) return false;
  if (caps.perDay > 0 && (counts.get(today) ?? 0) >= caps.perDay) return true;
  if (caps.perPeriod > 0) {
    const first = daysBefore(today, caps.periodDays - 1);
    let total = 0;
    for (const [day, n] of counts) if (day >= first && day <= today) total += n;
    if (total >= caps.perPeriod) return true;
  }
  return false;
}

export function capsActive(caps: Caps): boolean {
  return caps.perDay > 0 || caps.perPeriod > 0;
}
