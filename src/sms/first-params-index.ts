/**
 * Each number's first kept parameters, for the check's duplicate rule (recipient-check.ts), in a compact form
 * (issue 15). A Map of a million numbers to their parameter arrays weighed about 200 bytes a row in the import
 * thread's heap (the Map entry, the number as a string, the array, each parameter string kept alive), a third of
 * the server's peak RSS at a million rows. Here a number is a float64 key in an open-addressing table, and its
 * parameters are bytes in one growing buffer, compared byte for byte when the number comes again: exact, no hash
 * of the parameters is trusted. About 30-50 bytes a row.
 *
 * Numbers that are not plain digits (or too long to be exact as a float64) go to a Map: the phone rule only keeps
 * 11-digit mobile numbers today, so that is for other rules to come.
 */

/** Digits without a leading zero, at most 15: exact as a float64, and distinct numbers give distinct keys. */
const EXACT_DIGITS = /^[1-9][0-9]{0,14}$/;
/** Parameters holding a UTF-16 surrogate are stored as UTF-16: UTF-8 would turn every lone one into the same bytes. */
const SURROGATE = /[\ud800-\udfff]/;

export type FirstSeen = 'first' | 'same' | 'other';

/** The parameters as one string; length-prefixed, so no content (not even a separator) makes two lists collide. */
function paramsKey(params: readonly string[]): string {
  let key = '';
  for (const param of params) key += `${param.length}:${param}\u0000`;
  return key;
}

export class FirstParamsIndex {
  private keys = new Float64Array(1 << 16);
  /** Per slot, the entry number + 1 (0: empty). */
  private slots = new Int32Array(1 << 16);
  private used = 0;
  private readonly others = new Map<string, number>();
  /** Per entry, where its parameters are in `bytes`; a negative length means UTF-16. */
  private offsets = new Float64Array(1 << 16);
  private lengths = new Int32Array(1 << 16);
  private entries = 0;
  private bytes = Buffer.allocUnsafe(1 << 20);
  private end = 0;
  private scratch = Buffer.allocUnsafe(1 << 12);

  /**
   * Records `params` as the number's first when it was not seen before ('first'); otherwise says whether they are
   * the same as its first ('same') or not ('other').
   */
  see(phone: string, params: readonly string[]): FirstSeen {
    const entry = this.entryOf(phone);
    if (entry < 0) {
      this.record(params);
      return 'first';
    }
    if (params.length === 0) return this.lengths[entry] === 0 ? 'same' : 'other';
    return this.sameAsStored(entry, params) ? 'same' : 'other';
  }

  /** The number's entry, or -1 after claiming the next entry number for it. */
  private entryOf(phone: string): number {
    if (!EXACT_DIGITS.test(phone)) {
      const entry = this.others.get(phone);
      if (entry !== undefined) return entry;
      this.others.set(phone, this.entries);
      return -1;
    }
    const key = Number(phone);
    const mask = this.keys.length - 1;
    let slot = this.slotFor(key, mask);
    while (this.slots[slot] !== 0) {
      if (this.keys[slot] === key) return this.slots[slot] - 1;
      slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.slots[slot] = this.entries + 1;
    this.used += 1;
    if (this.used * 2 > this.keys.length) this.growTable();
    return -1;
  }

  private slotFor(key: number, mask: number): number {
    // Mobile numbers share their leading digits; mixing the low and high parts spreads them over the table.
    const low = key % 4294967296;
    const high = (key - low) / 4294967296;
    return (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & mask;
  }

  private growTable(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.slots = new Int32Array(oldSlots.length * 2);
    const mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i += 1) {
      if (oldSlots[i] === 0) continue;
      let slot = this.slotFor(oldKeys[i], mask);
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = oldKeys[i];
      this.slots[slot] = oldSlots[i];
    }
  }

  private record(params: readonly string[]): void {
    const entry = this.entries;
    this.entries += 1;
    if (entry === this.offsets.length) {
      const offsets = new Float64Array(entry * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Int32Array(entry * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    this.offsets[entry] = this.end;
    if (params.length === 0) {
      this.lengths[entry] = 0;
      return;
    }
    const key = paramsKey(params);
    const wide = SURROGATE.test(key);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; UTF-16 takes 2.
    this.reserve(key.length * 3);
    const written = this.bytes.write(key, this.end, wide ? 'utf16le' : 'utf8');
    this.end += written;
    this.lengths[entry] = wide ? -written : written;
  }

  private reserve(more: number): void {
    if (this.end + more <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.end + more));
    this.bytes.copy(bigger, 0, 0, this.end);
    this.bytes = bigger;
  }

  private sameAsStored(entry: number, params: readonly string[]): boolean {
    const stored = this.lengths[entry];
    const key = paramsKey(params);
    const wide = SURROGATE.test(key);
    if (wide !== stored < 0) return false;
    if (this.scratch.length < key.length * 3) this.scratch = Buffer.allocUnsafe(key.length * 3);
    const written = this.scratch.write(key, 0, wide ? 'utf16le' : 'utf8');
    if (written !== Math.abs(stored)) return false;
    const from = this.offsets[entry];
    return this.scratch.compare(this.bytes, from, from + written, 0, written) === 0;
  }
}
