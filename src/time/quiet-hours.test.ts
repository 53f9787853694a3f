import { isQuietAt, minuteOfDay, nextAllowedAt, type QuietHours } from './quiet-hours';

const berlin: QuietHours = { enabled: true, start: '21:00', end: '08:00', timeZone: 'Europe/Berlin' };
const shanghai: QuietHours = { enabled: true, start: '21:00', end: '08:00', timeZone: 'Asia/Shanghai' };
const day: QuietHours = { enabled: true, start: '12:00', end: '14:00', timeZone: 'Asia/Shanghai' };

describe('minuteOfDay', () => {
  test.each([
    ['00:00', 0],
    ['08:30', 510],
    ['23:59', 1439],
    ['24:00', null],
    ['8:00', null],
    ['', null],
    ['12:60', null],
  ])('%j → %s', (text, expected) => expect(minuteOfDay(text)).toBe(expected));
});

describe('isQuietAt', () => {
  test.each([
    // Shanghai is UTC+8 all year.
    [shanghai, '2026-12-05T12:59:00Z', false], // 20:59
    [shanghai, '2026-12-05T13:00:00Z', true], // 21:00, start inclusive
    [shanghai, '2026-12-05T18:00:00Z', true], // 02:00
    [shanghai, '2026-12-05T23:59:00Z', true], // 07:59
    [shanghai, '2026-12-06T00:00:00Z', false], // 08:00, end exclusive
    [day, '2026-12-05T04:00:00Z', true], // 12:00
    [day, '2026-12-05T06:00:00Z', false], // 14:00
    [day, '2026-12-05T14:00:00Z', false], // 22:00
    [{ ...shanghai, enabled: false }, '2026-12-05T18:00:00Z', false],
    [{ ...shanghai, end: '21:00' }, '2026-12-05T18:00:00Z', false], // zero-length: never quiet
    // Berlin: winter UTC+1, summer UTC+2.
    [berlin, '2026-12-05T20:00:00Z', true], // 21:00 CET
    [berlin, '2026-07-05T19:00:00Z', true], // 21:00 CEST
    [berlin, '2026-07-05T18:59:00Z', false], // 20:59 CEST
    [berlin, '2026-07-06T06:00:00Z', false], // 08:00 CEST
  ] as const)('%#: %j at %s → %s', (window, iso, expected) => {
    expect(isQuietAt(window, new Date(iso))).toBe(expected);
  });
});

describe('nextAllowedAt', () => {
  test.each([
    ['outside: itself', shanghai, '2026-12-05T03:00:00Z', '2026-12-05T03:00:00.000Z'],
    ['inside, evening: next morning 08:00', shanghai, '2026-12-05T14:30:00Z', '2026-12-06T00:00:00.000Z'],
    ['inside, after midnight: same morning', shanghai, '2026-12-05T19:00:00Z', '2026-12-06T00:00:00.000Z'],
    ['seconds into the window', shanghai, '2026-12-05T13:00:30Z', '2026-12-06T00:00:00.000Z'],
    ['daytime window', day, '2026-12-05T04:30:00Z', '2026-12-05T06:00:00.000Z'],
    // Spring forward: Berlin 2026-03-29 02:00 CET → 03:00 CEST. 08:00 that morning is 06:00Z, not 07:00Z.
    ['Berlin, night the clocks go forward', berlin, '2026-03-28T21:00:00Z', '2026-03-29T06:00:00.000Z'],
    // Fall back: 2026-10-25 03:00 CEST → 02:00 CET. 08:00 that morning is 07:00Z.
    ['Berlin, night the clocks go back', berlin, '2026-10-24T20:00:00Z', '2026-10-25T07:00:00.000Z'],
    // An end inside the skipped hour (02:30 does not exist on 2026-03-29): the first real minute after it, 03:00 CEST.
    ['Berlin, end in the skipped hour', { ...berlin, end: '02:30' }, '2026-03-28T23:00:00Z', '2026-03-29T01:00:00.000Z'],
  ] as const)('%s', (_name, window, iso, expected) => {
    expect(nextAllowedAt(window, new Date(iso)).toISOString()).toBe(expected);
  });
});
