import { SendPacer } from './send-pacer';

test('throttle answers in a row double the pause up to its cap; an accepted submit starts again from the shortest', () => {
  const pacer = new SendPacer(100, 100, 1000);
  expect([1, 2, 3, 4, 5, 6].map(() => pacer.throttled())).toEqual([100, 200, 400, 800, 1000, 1000]);
  pacer.accepted();
  expect(pacer.throttled()).toBe(100);
});
