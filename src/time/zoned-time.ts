/**
 * Times are stored in UTC and shown / entered in the configured zone. Intl does the zone arithmetic, so
 * DST transitions of zones that have them come out right without a timezone library.
 */

// Building a formatter costs far more than using one (a list page formats a time per row): one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

function parts(date: Date, timeZone: string): Record<string, number> {
  const fmt = formatterFor(timeZone);
  const out: Record<string, number> = {};
  for (const p of fmt.formatToParts(date)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/**
 * formatToParts costs microseconds (a dozen objects per call), and a page of 50 messages or a 100,000-row export
 * formats two times per row. A zone's offset changes only at its transitions, so it is read through Intl once per
 * zone and UTC hour, at the hour's first and last second; when both agree, every instant of that hour is the
 * offset added to UTC. An hour with a transition inside, and instants outside 1970–9999, always go through Intl.
 */
const HOUR_MS = 3_600_000;
const FAST_FROM = Date.UTC(1970, 0, 2);
const FAST_TO = Date.UTC(9999, 11, 30);
const MAX_HOURS_KEPT = 10_000;
const hourOffsets = new Map<string, Map<number, number | null>>();

/** Wall clock minus UTC, in ms, at an instant on a whole second. */
function offsetAt(ms: number, timeZone: string): number {
  const p = parts(new Date(ms), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
}

/** The offset in force for the whole UTC hour `hour`, or null when it changes within that hour. */
function hourOffset(hour: number, timeZone: string): number | null {
  let zone = hourOffsets.get(timeZone);
  if (!zone) hourOffsets.set(timeZone, (zone = new Map()));
  let offset = zone.get(hour);
  if (offset === undefined) {
    const first = offsetAt(hour * HOUR_MS, timeZone);
    offset = first === offsetAt(hour * HOUR_MS + HOUR_MS - 1000, timeZone) ? first : null;
    if (zone.size >= MAX_HOURS_KEPT) zone.clear();
    zone.set(hour, offset);
  }
  return offset;
}

/** The same fields as parts(), by arithmetic when the hour's offset is known to hold. */
function wallClock(date: Date, timeZone: string): Record<string, number> {
  const t = date.getTime();
  const offset = t >= FAST_FROM && t < FAST_TO ? hourOffset(Math.floor(t / HOUR_MS), timeZone) : null;
  if (offset === null) return parts(date, timeZone);
  // Intl drops the milliseconds; so does this.
  const w = new Date(Math.floor(t / 1000) * 1000 + offset);
  return { year: w.getUTCFullYear(), month: w.getUTCMonth() + 1, day: w.getUTCDate(), hour: w.getUTCHours(), minute: w.getUTCMinutes(), second: w.getUTCSeconds() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-25 14:30` in the zone (same shape in every language: it is what people type back). */
export function formatDateTime(iso: string | Date, timeZone: string, _locale?: string, withSeconds = false): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return '';
  const p = wallClock(date, timeZone);
  const base = `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
  return withSeconds ? `${base}:${pad(p.second)}` : base;
}

/**
 * The instant as a spreadsheet date serial of the zone's wall clock (days since 1899-12-30, the 1900 date system
 * Excel, LibreOffice and SheetJS share): what a date cell holds, since a spreadsheet cell has no time zone.
 */
export function spreadsheetSerial(iso: string | Date, timeZone: string): number | null {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return null;
  const p = wallClock(date, timeZone);
  return (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Date.UTC(1899, 11, 30)) / 86_400_000;
}

/** The value for an `<input type="datetime-local">` in the zone: `2026-11-25T14:30`. */
export function toLocalInputValue(date: Date, timeZone: string): string {
  return formatDateTime(date, timeZone).replace(' ', 'T');
}

/** Offset of the zone from UTC at the given instant, in minutes. */
function offsetMinutes(date: Date, timeZone: string): number {
  const p = parts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

/**
 * A wall-clock time typed in the zone (`2026-11-25T14:30` or `2026-11-25 14:30[:ss]`) as a UTC Date.
 * Returns null for text that is not such a time, or for a wall time that does not exist (skipped by a DST
 * change); an ambiguous wall time (repeated by a DST change) resolves to its first occurrence.
 */
export function parseLocalDateTime(text: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wallAsUtc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  // Try the offsets in force just before and after the instant; the first that maps back to the typed wall time wins.
  const candidates = [offsetMinutes(new Date(wallAsUtc - 86400000), timeZone), offsetMinutes(new Date(wallAsUtc + 86400000), timeZone)];
  for (const off of candidates.sort((a, b) => b - a)) {
    const instant = new Date(wallAsUtc - off * 60000);
    const back = parts(instant, timeZone);
    if (back.year === y && back.month === mo && back.day === d && back.hour === h && back.minute === mi) return instant;
  }
  return null;
}

/**
 * An ISO-8601 date-time that names its offset (`2026-12-01T09:30:00+08:00`, `…Z`, seconds and fractions
 * optional) as a Date; null for anything else, including a calendar date that does not exist (Feb 30), which
 * `Date.parse` would quietly roll over. A time without an offset is refused: it would depend on a zone.
 */
export function parseIsoInstant(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const ms = m[7] ? Math.floor(Number('0.' + m[7]) * 1000) : 0;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  if (wall.getUTCDate() !== d || wall.getUTCMonth() !== mo - 1) return null;
  let offset = 0;
  if (m[8].toUpperCase() !== 'Z') {
    const [oh, om] = m[8].slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return null;
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(wall.getTime() - offset * 60_000);
}
