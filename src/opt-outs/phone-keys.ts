/**
 * Issue 14's opt-out snapshot (src/services/opt-out-snapshot.service.ts) holds the list as numbers, not strings: a
 * sorted Float64Array of 1,000,000 numbers is 8 MB, shared with the import worker without a copy, where a Set of
 * 1,000,000 strings would be about 70 MB on each thread.
 *
 * The key of a number is its value, and only for the spellings that map one to one: digits without a leading zero,
 * at most 15 of them (below 2^53, so a double holds it exactly). Every number the recipient check keeps is one
 * (an 11-digit mainland mobile); anything else (`+86…`, `0086…`) has no key and is looked up in the database, so the
 * key never makes two different stored numbers equal and never misses a stored number equal to a recipient's.
 */

const MAX_KEY_DIGITS = 15;

/** The number's key, or null when it has none. Read digit by digit: a regular expression and Number() took twice as long. */
export function phoneKey(phone: string): number | null {
  const length = phone.length;
  if (length === 0 || length > MAX_KEY_DIGITS) return null;
  let key = 0;
  for (let i = 0; i < length; i += 1) {
    const digit = phone.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (i === 0 && digit === 0)) return null;
    key = key * 10 + digit;
  }
  return key;
}

/**
 * Sorted, distinct keys, a directory over them and a filter in front: the key range cut into about one bucket per
 * key, `dir[b]` the index of bucket b's first key; `filter` one bit for each of eight times as many finer slices,
 * set where a slice holds a key. A look-up reads one bit of the filter (1 MB for a million keys: it stays in the
 * CPU's cache) and, for the few numbers whose slice holds a key, the directory and one or two keys. A binary search
 * over a million made 20 reads all over 8 MB: about five times slower. The arrays are in shared memory, so the import
 * worker is handed them without a copy; they are never changed once made.
 */
export interface PhoneKeySet {
  keys: Float64Array;
  dir: Int32Array;
  min: number;
  max: number;
  /** How many key values one bucket spans. */
  width: number;
  filter: Int32Array;
  /** How many key values one bit of the filter spans. */
  filterWidth: number;
}

function shared<T extends Float64Array | Int32Array>(Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Kind(new SharedArrayBuffer(Math.max(1, length) * Kind.BYTES_PER_ELEMENT));
}

/** The set over keys already sorted and distinct (in shared memory). */
function indexed(keys: Float64Array, count: number): PhoneKeySet {
  const sharedKeys = shared(Float64Array, count).subarray(0, count);
  sharedKeys.set(keys.subarray(0, count));
  let buckets = 1;
  while (buckets < count) buckets *= 2;
  const min = count > 0 ? sharedKeys[0] : 0;
  const span = count > 0 ? sharedKeys[count - 1] - min + 1 : 1;
  const width = Math.ceil(span / buckets);
  const dir = shared(Int32Array, buckets + 1);
  let at = 0;
  for (let b = 0; b <= buckets; b += 1) {
    while (at < count && Math.floor((sharedKeys[at] - min) / width) < b) at += 1;
    dir[b] = at;
  }
  const bits = buckets * FILTER_BITS_PER_BUCKET;
  const filterWidth = Math.ceil(span / bits);
  const filter = shared(Int32Array, bits / 32);
  for (let i = 0; i < count; i += 1) {
    const bit = Math.floor((sharedKeys[i] - min) / filterWidth);
    filter[bit >>> 5] |= 1 << (bit & 31);
  }
  return { keys: sharedKeys, dir, min, max: count > 0 ? sharedKeys[count - 1] : -1, width, filter, filterWidth };
}

const FILTER_BITS_PER_BUCKET = 8;

export function hasKey(set: PhoneKeySet, key: number): boolean {
  if (key < set.min || key > set.max) return false;
  // Inside the range both quotients are below the number of bits and of buckets (under 2^31): `| 0` truncates them.
  const offset = key - set.min;
  const bit = (offset / set.filterWidth) | 0;
  if ((set.filter[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
  const bucket = (offset / set.width) | 0;
  const { keys, dir } = set;
  for (let i = dir[bucket], end = dir[bucket + 1]; i < end; i += 1) {
    const at = keys[i];
    if (at === key) return true;
    if (at > key) return false;
  }
  return false;
}

/** The set of the keys given (any order, repeats allowed). */
export function keySetOf(found: readonly number[]): PhoneKeySet {
  const sorted = Float64Array.from(found).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i += 1) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
  return indexed(sorted, n);
}

/** The set of these numbers' keys (numbers without a key are left out: they are never looked up in it). */
export function keySetOfPhones(phones: Iterable<string>): PhoneKeySet {
  const found: number[] = [];
  for (const phone of phones) {
    const key = phoneKey(phone);
    if (key !== null) found.push(key);
  }
  return keySetOf(found);
}

/**
 * A new set: `set` with `add` put in and `remove` taken out (one merge pass, not a sort). A new one rather than a
 * change in place, since a worker may be reading the old one: it stays as it was until that worker is done.
 */
export function changedKeySet(set: PhoneKeySet, add: Iterable<number>, remove: ReadonlySet<number>): PhoneKeySet {
  const adding = Float64Array.from(new Set([...add].filter((k) => !remove.has(k) && !hasKey(set, k)))).sort();
  const { keys } = set;
  const out = new Float64Array(keys.length + adding.length);
  let n = 0;
  let a = 0;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    while (a < adding.length && adding[a] < key) out[n++] = adding[a++];
    if (!remove.has(key)) out[n++] = key;
  }
  while (a < adding.length) out[n++] = adding[a++];
  return indexed(out, n);
}
