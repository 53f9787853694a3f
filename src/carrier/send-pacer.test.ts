import { SendPacer } from './send-pacer';

test('throttle answers in a row double the pause up to its cap; an accepted submit starts again from the shortest', () => {
  const pacer = new SendPacer(100, 100, 1000);
  expect([1, 2, 3, 4, 5, 6].map(() => pacer.throttled())).toEqual([100, 200, 400, 800, 1000, 1000]);
  pacer.accepted();
  expect(pacer.throttled()).toBe(100);
});

describe('with a bucket shared by every instance (issue 13)', () => {
  test('submits at once share one trip to the bucket, a tenth of a second of tokens each, and none goes unpaid', async () => {
    const trips: number[][] = [];
    const pacer = new SendPacer(200, 100, 1000, async (count, perSecond) => {
      trips.push([count, perSecond]);
      return 0;
    });
    expect(pacer.sharedChunk).toBe(20);
    await Promise.all(Array.from({ length: 45 }, () => pacer.take()));
    expect(trips).toEqual([[20, 200], [20, 200], [20, 200]]);
    // 15 submits are left paid for: the next 15 need no trip.
    await Promise.all(Array.from({ length: 15 }, () => pacer.take()));
    expect(trips).toHaveLength(3);
    await pacer.take();
    expect(trips).toHaveLength(4);
  });

  test('the submit waits for the bucket\'s answer before its own spacing', async () => {
    const order: string[] = [];
    let release!: () => void;
    const pacer = new SendPacer(1000, 100, 1000, () => new Promise<number>((resolve) => (release = () => resolve(0))));
    const taking = pacer.take().then(() => order.push('submitted'));
    await new Promise((resolve) => setImmediate(resolve));
    order.push('bucket answers');
    release();
    await taking;
    expect(order).toEqual(['bucket answers', 'submitted']);
  });

  test('a bucket that cannot be reached does not stop the submits: the instance paces them itself', async () => {
    const pacer = new SendPacer(1000, 100, 1000, async () => {
      throw new Error('database is down');
    });
    await expect(Promise.all([pacer.take(), pacer.take()])).resolves.toEqual([undefined, undefined]);
  });
});
