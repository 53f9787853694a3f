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

describe('with a bucket shared by every instance (issue 13)', () => {
  /** Takes `n` submits the way the SMPP submitter does: one at hand is used; otherwise wait for a refill and ask again. */
  async function takeMany(pacer: SendPacer, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      while (!pacer.takeShared()) await pacer.refillShared();
    }
  }

  test('a trip to the bucket pays for a tenth of a second of submits, and none goes unpaid', async () => {
    const trips: number[][] = [];
    const pacer = new SendPacer(200, 100, 1000, async (count, perSecond) => {
      trips.push([count, perSecond]);
      return 0;
    });
    expect(pacer.sharedChunk).toBe(20);
    await takeMany(pacer, 45);
    expect(trips).toEqual([[20, 200], [20, 200], [20, 200]]);
    // 15 submits are left paid for: the next 15 need no trip.
    await takeMany(pacer, 15);
    expect(trips).toHaveLength(3);
    await takeMany(pacer, 1);
    expect(trips).toHaveLength(4);
  });

  test('callers waiting at once share one trip', async () => {
    let trips = 0;
    const pacer = new SendPacer(100, 100, 1000, async () => {
      trips += 1;
      return 0;
    });
    await Promise.all([pacer.refillShared(), pacer.refillShared(), pacer.refillShared()]);
    expect(trips).toBe(1);
    expect(pacer.takeShared()).toBe(true);
  });

  test('the refill waits as long as the bucket says before the submits it paid for are at hand', async () => {
    const pacer = new SendPacer(1000, 100, 1000, async () => 60);
    expect(pacer.takeShared()).toBe(false);
    const started = performance.now();
    await pacer.refillShared();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(pacer.takeShared()).toBe(true);
  });

  test('a bucket that cannot be reached does not stop the submits: the instance paces them itself', async () => {
    const pacer = new SendPacer(1000, 100, 1000, async () => {
      throw new Error('database is down');
    });
    await expect(takeMany(pacer, 2)).resolves.toBeUndefined();
  });

  test('without a shared bucket every submit is at hand', () => {
    const pacer = new SendPacer(10);
    expect(pacer.takeShared()).toBe(true);
  });
});
