import { isQuietAt, minuteOfDay, nextAllowedAt, type QuietHours } from './quiet-hours';
import { inDailyWindow, localMinuteOfDay, marketingAtNight, MARKETING_NIGHT, minuteLabel } from './quiet-hours';

describe('inDailyWindow', () => {
  const at = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  test.each([
    ['20:59', MARKETING_NIGHT, false],
    ['21:00', MARKETING_NIGHT, true],
    ['23:59', MARKETING_NIGHT, true],
    ['00:00', MARKETING_NIGHT, true],
    ['07:59', MARKETING_NIGHT, true],
    ['08:00', MARKETING_NIGHT, false],
    ['12:00', MARKETING_NIGHT, false],
    // A window inside one day.
    ['12:59', { start: 13 * 60, end: 14 * 60 }, false],
    ['13:00', { start: 13 * 60, end: 14 * 60 }, true],
    ['14:00', { start: 13 * 60, end: 14 * 60 }, false],
    // An empty window holds nothing.
    ['22:00', { start: 22 * 60, end: 22 * 60 }, false],
  ])('%s in %o: %s', (time, window, expected) => {
    expect(inDailyWindow(at(time), window)).toBe(expected);
  });
});

describe('marketingAtNight', () => {
  test.each([
    // [type, instant (UTC), zone, warned]
    ['marketing', '2026-12-05T13:00:00Z', 'Asia/Shanghai', true], // 21:00 in Shanghai
    ['marketing', '2026-12-05T12:59:00Z', 'Asia/Shanghai', false], // 20:59
    ['marketing', '2026-12-05T23:59:00Z', 'Asia/Shanghai', true], // 07:59 the next morning
    ['marketing', '2026-12-06T00:00:00Z', 'Asia/Shanghai', false], // 08:00
    ['marketing', '2026-12-05T13:00:00Z', 'UTC', false], // 13:00 in UTC: the task's zone decides
    ['marketing', '2026-12-05T02:00:00Z', 'America/New_York', true], // 21:00 the evening before in New York
    ['marketing', '2026-07-05T01:00:00Z', 'America/New_York', true], // 21:00 in summer time (UTC-4)
    ['marketing', '2026-07-05T00:30:00Z', 'America/New_York', false], // 20:30 in summer time
    ['notification', '2026-12-05T15:00:00Z', 'Asia/Shanghai', false], // 23:00, but not marketing
    ['verification', '2026-12-05T15:00:00Z', 'Asia/Shanghai', false],
  ])('%s at %s in %s: %s', (smsType, iso, timeZone, expected) => {
    expect(marketingAtNight({ smsType, startsAt: new Date(iso), timeZone })).toBe(expected);
  });

  test('takes another window (the settings of enforced quiet hours, later)', () => {
    const lateEvening = { smsType: 'marketing', startsAt: new Date('2026-12-05T12:30:00Z'), timeZone: 'Asia/Shanghai' }; // 20:30
    expect(marketingAtNight(lateEvening)).toBe(false);
    expect(marketingAtNight(lateEvening, { start: 20 * 60, end: 9 * 60 })).toBe(true);
  });

  test('an invalid instant is not warned about (the form reports it elsewhere)', () => {
    expect(marketingAtNight({ smsType: 'marketing', startsAt: new Date('nope'), timeZone: 'UTC' })).toBe(false);
  });
});

test('localMinuteOfDay and minuteLabel', () => {
  expect(localMinuteOfDay(new Date('2026-12-05T13:05:00Z'), 'Asia/Shanghai')).toBe(21 * 60 + 5);
  expect(minuteLabel(MARKETING_NIGHT.start)).toBe('21:00');
  expect(minuteLabel(MARKETING_NIGHT.end)).toBe('08:00');
});


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
