import { daysBefore, localDay, overCap } from './cap-days';

describe('localDay / daysBefore', () => {
  test.each([
    ['2026-12-05T15:59:00Z', 'Asia/Shanghai', '2026-12-05'],
    ['2026-12-05T16:00:00Z', 'Asia/Shanghai', '2026-12-06'],
    ['2026-03-28T23:30:00Z', 'Europe/Berlin', '2026-03-29'],
  ])('%s in %s is %s', (iso, zone, day) => expect(localDay(new Date(iso), zone)).toBe(day));

  test.each([
    ['2026-12-05', 6, '2026-11-29'],
    ['2026-03-01', 1, '2026-02-28'],
    ['2026-03-30', 1, '2026-03-29'],
    ['2026-01-01', 1, '2025-12-31'],
  ])('%s minus %i days is %s', (day, n, expected) => expect(daysBefore(day, n)).toBe(expected));
});

describe('overCap (1 a day, 3 in 7 days)', () => {
  const caps = { perDay: 1, perPeriod: 3, periodDays: 7 };
  const counts = (entries: [string, number][]) => new Map(entries);
  test.each([
    ['never sent', undefined, false],
    ['sent yesterday only', counts([['2026-12-04', 1]]), false],
    ['sent today', counts([['2026-12-05', 1]]), true],
    ['3 in the last 7 days', counts([['2026-11-29', 1], ['2026-12-01', 1], ['2026-12-03', 1]]), true],
    ['3, the first 7 days ago (outside)', counts([['2026-11-28', 1], ['2026-12-01', 1], ['2026-12-03', 1]]), false],
  ])('%s → %s', (_name, c, expected) => expect(overCap(c, '2026-12-05', caps)).toBe(expected));

  test('no caps: never over', () => {
    expect(overCap(new Map([['2026-12-05', 99]]), '2026-12-05', { perDay: 0, perPeriod: 0, periodDays: 7 })).toBe(false);
  });
});
