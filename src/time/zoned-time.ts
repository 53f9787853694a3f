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

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-25 14:30` in the zone (same shape in every language: it is what people type back). */
export function formatDateTime(iso: string | Date, timeZone: string, _locale?: string, withSeconds = false): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return '';
  const p = parts(date, timeZone);
  const base = `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
  return withSeconds ? `${base}:${pad(p.second)}` : base;
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
