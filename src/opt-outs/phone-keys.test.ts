import { changedKeySet, hasKey, keySetOf, keySetOfPhones, phoneKey } from './phone-keys';

test.each([
  ['13800138000', 13800138000],
  ['1', 1],
  ['999999999999999', 999999999999999],
  ['+8613800138000', null],
  ['8613800138000', 8613800138000],
  ['013800138000', null],
  ['0', null],
  ['', null],
  ['1000000000000000', null],
  ['1380013800a', null],
  ['138 0013 8000', null],
  ['１３８００１３８０００', null],
  ['1e10', null],
  ['-13800138000', null],
])('the key of %j is %p', (phone, key) => {
  expect(phoneKey(phone)).toBe(key);
});

test('no two different keyed spellings share a key', () => {
  const phones = ['13800138000', '013800138000', '8613800138000', '+8613800138000', '0086138001380000'];
  const keyed = phones.filter((p) => phoneKey(p) !== null);
  expect(new Set(keyed.map((p) => phoneKey(p))).size).toBe(keyed.length);
});

/** A small deterministic generator, so a failure is reproducible. */
function numbers(count: number, seed: number): number[] {
  let a = seed;
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    a = (a * 1103515245 + 12345) % 2147483648;
    out.push(13_000_000_000 + (a % 7_000_000) * 997);
  }
  return out;
}

test('look-ups agree with a Set: members, neighbours, outside the range, empty and one-key sets', () => {
  for (const list of [[], [13800138000], numbers(5_000, 7), [...numbers(3_000, 9), ...numbers(3_000, 9)]]) {
    const set = keySetOf(list);
    const truth = new Set(list);
    expect(set.keys.length).toBe(truth.size);
    const probes = [...list, ...list.map((k) => k + 1), ...list.map((k) => k - 1), 0, 1, 12_999_999_999, 19_999_999_999, 999_999_999_999_999];
    expect(probes.filter((k) => hasKey(set, k) !== truth.has(k))).toEqual([]);
  }
});

test('a changed set: keys added and removed, the old set left as it was', () => {
  const before = keySetOfPhones(['13800138000', '13800138001', '+8613800138002']);
  expect([...before.keys]).toEqual([13800138000, 13800138001]);
  const after = changedKeySet(before, [13900000000, 13800138001, 13000000000], new Set([13800138000]));
  expect([...after.keys]).toEqual([13000000000, 13800138001, 13900000000]);
  expect([13000000000, 13800138001, 13900000000].map((k) => hasKey(after, k))).toEqual([true, true, true]);
  expect(hasKey(after, 13800138000)).toBe(false);
  expect([...before.keys]).toEqual([13800138000, 13800138001]);
  expect(hasKey(before, 13800138000)).toBe(true);
  expect(before.keys.buffer).toBeInstanceOf(SharedArrayBuffer);
});
