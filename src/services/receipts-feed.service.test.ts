import { ReceiptsCursor } from './receipts-feed.service';

const cursors = new ReceiptsCursor('a session secret of thirty-two characters');

test.each([
  [{ afterId: 0, taskId: null }],
  [{ afterId: 42, taskId: null }],
  [{ afterId: 9_007_199_254_740_991, taskId: 'T2611250001' }],
])('%p survives a round trip and is URL-safe', (state) => {
  const cursor = cursors.encode(state);
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(cursors.decode(cursor)).toEqual(state);
});

test('the same position always gives the same cursor, so an idle poll hands back the input', () => {
  expect(cursors.encode({ afterId: 7, taskId: null })).toBe(cursors.encode({ afterId: 7, taskId: null }));
});

test('a changed payload or signature, another secret, or anything else is refused', () => {
  const good = cursors.encode({ afterId: 5, taskId: null });
  const [payload, tag] = good.split('.');
  const sign = (data: unknown) => Buffer.from(JSON.stringify(data)).toString('base64url');
  const other = new ReceiptsCursor('another secret, another secret, another');
  for (const bad of [
    `${sign({ v: 1, id: 6, t: null })}.${tag}`,
    `${payload}.${tag.slice(0, -1)}`,
    `${payload}.${tag}x`,
    other.encode({ afterId: 5, taskId: null }),
    payload,
    '',
    '.',
    'a.b',
    `${payload}.${tag}.${tag}`,
  ]) {
    expect([bad, cursors.decode(bad)]).toEqual([bad, null]);
  }
});

test('well-signed nonsense is refused too (a version, id or task of the wrong kind)', () => {
  // encode() only makes valid states, so these are signed by hand with the private tag function.
  const key = (cursors as unknown as { tag(p: string): string }).tag.bind(cursors);
  const signed = (data: unknown) => {
    const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
    return `${payload}.${key(payload)}`;
  };
  expect(cursors.decode(signed({ v: 1, id: 3, t: null }))).toEqual({ afterId: 3, taskId: null });
  for (const data of [{ v: 2, id: 3, t: null }, { v: 1, id: -1, t: null }, { v: 1, id: 1.5, t: null }, { v: 1, id: '3', t: null }, { v: 1, id: 3, t: 5 }, null, [1], 'x']) {
    expect(cursors.decode(signed(data))).toBeNull();
  }
});

test('a commit-order cursor (PostgreSQL) survives a round trip; a bad txid is refused', () => {
  const state = { afterId: 15_002, afterTx: '18446744073709551615', floorId: 40, taskId: 'T2612050001' };
  expect(cursors.decode(cursors.encode(state))).toEqual(state);
  const key = (cursors as unknown as { tag(p: string): string }).tag.bind(cursors);
  const signed = (data: unknown) => {
    const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
    return `${payload}.${key(payload)}`;
  };
  for (const data of [{ v: 2, x: '-1', id: 3, f: 0, t: null }, { v: 2, x: 12, id: 3, f: 0, t: null }, { v: 2, x: '12', id: 3, t: null }, { v: 2, x: '1'.repeat(21), id: 3, f: 0, t: null }]) {
    expect(cursors.decode(signed(data))).toBeNull();
  }
});
