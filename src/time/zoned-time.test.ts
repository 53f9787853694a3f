import { formatDateTime, parseIsoInstant, spreadsheetSerial } from './zoned-time';

test.each([
  ['2026-12-01T09:30:00+08:00', '2026-12-01T01:30:00.000Z'],
  ['2026-12-01T09:30+08:00', '2026-12-01T01:30:00.000Z'],
  ['2026-12-01T01:30:00Z', '2026-12-01T01:30:00.000Z'],
  ['2026-12-01t01:30:00z', '2026-12-01T01:30:00.000Z'],
  ['2026-12-01T01:30:00.5Z', '2026-12-01T01:30:00.500Z'],
  ['2026-12-01T01:30:00.123456789-05:30', '2026-12-01T07:00:00.123Z'],
  ['2028-02-29T00:00:00+00:00', '2028-02-29T00:00:00.000Z'],
])('%s is %s', (text, iso) => {
  expect(parseIsoInstant(text)?.toISOString()).toBe(iso);
});

test.each([
  '2026-12-01T09:30:00', // no offset: would depend on a zone
  '2026-12-01 09:30:00+08:00',
  '2026-02-30T09:30:00Z',
  '2027-02-29T09:30:00Z',
  '2026-13-01T09:30:00Z',
  '2026-12-01T24:00:00Z',
  '2026-12-01T09:60:00Z',
  '2026-12-01T09:30:00+24:00',
  '2026-12-01',
  '1767225600000',
  '',
  ' 2026-12-01T09:30:00Z',
])('%p is refused', (text) => {
  expect(parseIsoInstant(text)).toBeNull();
});

describe('formatDateTime', () => {
  const formats = new Map<string, Intl.DateTimeFormat>();
  /** What formatDateTime computes, straight through Intl for every instant (no per-hour offsets). */
  function viaIntl(date: Date, timeZone: string): string {
    let fmt = formats.get(timeZone);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      formats.set(timeZone, fmt);
    }
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(date)) p[part.type] = part.value;
    return `${Number(p.year)}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }

  // Zones with DST (whole hour, half hour), offsets of :30 and :45, a zone that skipped a day, and no DST at all.
  const ZONES = ['Asia/Shanghai', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Pacific/Apia', 'Asia/Kolkata'];

  /** Wall clock minus UTC at an instant, by Intl. */
  const offsetOf = (t: number, zone: string) => Date.parse(viaIntl(new Date(t), zone).replace(' ', 'T') + 'Z') - Math.floor(t / 1000) * 1000;

  test.each(ZONES)('agrees with Intl through 2011 and 2026, every minute around each transition, and at random instants, in %s', (zone) => {
    const instants: number[] = [];
    let transitions = 0;
    for (const year of [2011, 2026]) {
      let offset = offsetOf(Date.UTC(year, 0, 1), zone);
      for (let hour = Date.UTC(year, 0, 1); hour < Date.UTC(year + 1, 0, 1); hour += 3_600_000) {
        // A sparse sweep (a different minute and millisecond in each hour) ...
        instants.push(hour + ((hour / 3_600_000) % 60) * 60_017);
        // ... and every minute (and a second) from two hours before to two hours after a change of offset.
        const next = offsetOf(hour + 3_600_000, zone);
        if (next !== offset) {
          transitions += 1;
          for (let t = hour - 7_200_000; t < hour + 10_800_000; t += 61_001) instants.push(t);
        }
        offset = next;
      }
    }
    expect(transitions > 0).toBe(!['Asia/Shanghai', 'UTC', 'Asia/Kathmandu', 'Asia/Kolkata'].includes(zone));
    let seed = 7;
    for (let i = 0; i < 2000; i += 1) {
      seed = (seed * 48271) % 2147483647;
      instants.push(Math.floor((seed / 2147483647) * Date.UTC(2100, 0, 1)));
    }
    const wrong: string[] = [];
    for (const t of instants) {
      const date = new Date(t);
      const expected = viaIntl(date, zone);
      if (formatDateTime(date, zone, 'en', true) !== expected || formatDateTime(date.toISOString(), zone) !== expected.slice(0, 16)) wrong.push(date.toISOString());
    }
    expect(wrong).toEqual([]);
  });

  test('before 1970 and far ahead it still answers through Intl', () => {
    for (const iso of ['1901-06-01T12:34:56.789Z', '1969-12-31T23:59:59.500Z', '9999-12-31T23:59:59Z']) {
      expect(formatDateTime(iso, 'Asia/Shanghai', 'en', true)).toBe(viaIntl(new Date(iso), 'Asia/Shanghai'));
    }
    expect(formatDateTime('not a time', 'Asia/Shanghai')).toBe('');
  });
});

describe('spreadsheetSerial', () => {
  test('the wall clock of the zone, as days since 1899-12-30', () => {
    // 2026-12-05T01:30:15Z is 09:30:15 in Shanghai and 20:30:15 the day before in New York.
    const base = Date.UTC(1899, 11, 30);
    expect(spreadsheetSerial('2026-12-05T01:30:15.000Z', 'Asia/Shanghai')).toBe((Date.UTC(2026, 11, 5, 9, 30, 15) - base) / 86_400_000);
    expect(spreadsheetSerial('2026-12-05T01:30:15.000Z', 'America/New_York')).toBe((Date.UTC(2026, 11, 4, 20, 30, 15) - base) / 86_400_000);
    expect(spreadsheetSerial('not a time', 'Asia/Shanghai')).toBeNull();
  });
});
