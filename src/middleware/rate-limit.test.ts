import { API_BURST, API_RATE_PER_SECOND, TokenBuckets } from './rate-limit';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('the documented numbers', () => {
  expect([API_RATE_PER_SECOND, API_BURST]).toEqual([20, 40]);
});

test('a full bucket allows the burst, then refuses with the seconds until the next token', () => {
  const c = clock();
  const buckets = new TokenBuckets(20, 40, c.now);
  for (let i = 0; i < 40; i += 1) expect(buckets.take('a')).toEqual({ ok: true });
  expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  c.advance(49);
  expect(buckets.take('a').ok).toBe(false);
  c.advance(1);
  expect(buckets.take('a')).toEqual({ ok: true });
  expect(buckets.take('a').ok).toBe(false);
});

test('the sustained rate is the refill rate, and an idle bucket refills only up to the burst', () => {
  const c = clock();
  const buckets = new TokenBuckets(20, 40, c.now);
  for (let i = 0; i < 40; i += 1) buckets.take('a');
  let allowed = 0;
  for (let ms = 0; ms < 10_000; ms += 10) {
    c.advance(10);
    if (buckets.take('a').ok) allowed += 1;
  }
  expect(allowed).toBe(200);
  c.advance(3_600_000);
  let burst = 0;
  while (buckets.take('a').ok) burst += 1;
  expect(burst).toBe(40);
});

test('each key has its own bucket', () => {
  const c = clock();
  const buckets = new TokenBuckets(1, 2, c.now);
  expect([buckets.take(1).ok, buckets.take(1).ok, buckets.take(1).ok]).toEqual([true, true, false]);
  expect(buckets.take(2).ok).toBe(true);
});

test('Retry-After is rounded up to whole seconds at slow rates', () => {
  const c = clock();
  const buckets = new TokenBuckets(0.25, 1, c.now);
  buckets.take('a');
  expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 4 });
  c.advance(1000);
  expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 3 });
});
