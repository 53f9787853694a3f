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
