import { SendPacer } from './send-pacer';

test('throttle answers in a row double the pause up to its cap; an accepted submit starts again from the shortest', () => {
  const pacer = new SendPacer(100, 100, 1000);
  expect([1, 2, 3, 4, 5, 6].map(() => pacer.throttled())).toEqual([100, 200, 400, 800, 1000, 1000]);
  pacer.accepted();
  expect(pacer.throttled()).toBe(100);
});

test('takeSlot hands out consecutive slots 1/tps apart; waitFor is 0 for a slot due now or within 2 ms', () => {
  const pacer = new SendPacer(10);
  const first = pacer.takeSlot();
  const second = pacer.takeSlot();
  const third = pacer.takeSlot();
  expect(second - first).toBeCloseTo(100, 5);
  expect(third - second).toBeCloseTo(100, 5);
  expect(pacer.waitFor(first)).toBe(0);
  expect(pacer.waitFor(third)).toBeGreaterThan(100);
});

test('a throttle answer pauses the account: pausedFor says how long, and a submit accepted does not end the pause', () => {
  const pacer = new SendPacer(1000, 100, 1000);
  expect(pacer.pausedFor()).toBe(0);
  pacer.throttled();
  expect(pacer.pausedFor()).toBeGreaterThan(50);
  pacer.accepted();
  expect(pacer.pausedFor()).toBeGreaterThan(50);
});
