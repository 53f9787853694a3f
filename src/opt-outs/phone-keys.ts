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

const KEYED = /^[1-9][0-9]{0,14}$/;

export function phoneKey(phone: string): number | null {
  return KEYED.test(phone) ? Number(phone) : null;
}

/** Whether a sorted key array holds the key (binary search: 20 steps in a million). */
export function hasKey(keys: Float64Array, key: number): boolean {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = keys[mid];
    if (at === key) return true;
    if (at < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** A sorted, de-duplicated key array in shared memory, so a worker can be handed it without a copy. */
function sharedKeys(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function keysOf(phones: Iterable<string>): Float64Array {
  const found: number[] = [];
  for (const phone of phones) {
    const key = phoneKey(phone);
    if (key !== null) found.push(key);
  }
  return sortedKeys(found);
}

/** The keys given, sorted and de-duplicated, in shared memory. */
export function sortedKeys(found: readonly number[]): Float64Array {
  const sorted = Float64Array.from(found).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i += 1) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
  const keys = sharedKeys(n);
  keys.set(sorted.subarray(0, n));
  return keys;
}

/**
 * A new key array: `keys` with `add` put in and `remove` taken out (one merge pass, not a sort). A new array rather
 * than a change in place, since a worker may be reading the old one: it stays as it was until that worker is done.
 */
export function changedKeys(keys: Float64Array, add: Iterable<number>, remove: ReadonlySet<number>): Float64Array {
  const adding = Float64Array.from(new Set([...add].filter((k) => !remove.has(k) && !hasKey(keys, k)))).sort();
  const out = new Float64Array(keys.length + adding.length);
  let n = 0;
  let a = 0;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    while (a < adding.length && adding[a] < key) out[n++] = adding[a++];
    if (!remove.has(key)) out[n++] = key;
  }
  while (a < adding.length) out[n++] = adding[a++];
  const result = sharedKeys(n);
  result.set(out.subarray(0, n));
  return result;
}
