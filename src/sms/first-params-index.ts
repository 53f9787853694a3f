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
 *
 * Every valid row of an import passes here, so the per-row path is plain loops over typed arrays (issue 15's
 * second pass: it was 85 ms of a 100,000-row import's 330, spent on a key string per row, a regular expression
 * over it and a native UTF-8 write).
 */

/** Digits in a key: at most 15 are exact as a float64, so distinct numbers give distinct keys. */
const MAX_EXACT_DIGITS = 15;

/** The number as a float64 key when it is 1 to 15 digits without a leading zero, else -1. */
function exactKey(phone: string): number {
  const n = phone.length;
  if (n === 0 || n > MAX_EXACT_DIGITS) return -1;
  let key = 0;
  for (let i = 0; i < n; i += 1) {
    const digit = phone.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (i === 0 && digit === 0)) return -1;
    key = key * 10 + digit;
  }
  return key;
}

/** The most bytes `encodeParams` writes: 3 per UTF-16 unit, 5 for each parameter's length. */
function maxEncodedBytes(params: readonly string[]): number {
  let units = 0;
  for (const param of params) units += param.length;
  return units * 3 + params.length * 5;
}

/**
 * The parameters as bytes, from `at`; returns the end. Each parameter is its length (7 bits a byte, the high bit
 * saying more follow) then its UTF-16 units, each in 1 to 3 bytes by a prefix code (below 0x80: one byte; below
 * 0x4000: 0x80 | high 6 bits, low byte; else 0xc0, high byte, low byte). No two lists give the same bytes, and,
 * unlike UTF-8, lone surrogates stay distinct. Nothing ever decodes them: a later row's parameters are encoded the
 * same way and compared.
 */
function encodeParams(params: readonly string[], into: Uint8Array, at: number): number {
  let end = at;
  for (const param of params) {
    const n = param.length;
    let length = n;
    while (length >= 0x80) {
      into[end] = 0x80 | (length & 0x7f);
      end += 1;
      length = Math.floor(length / 0x80);
    }
    into[end] = length;
    end += 1;
    for (let i = 0; i < n; i += 1) {
      const unit = param.charCodeAt(i);
      if (unit < 0x80) {
        into[end] = unit;
        end += 1;
      } else if (unit < 0x4000) {
        into[end] = 0x80 | (unit >> 8);
        into[end + 1] = unit & 0xff;
        end += 2;
      } else {
        into[end] = 0xc0;
        into[end + 1] = unit >> 8;
        into[end + 2] = unit & 0xff;
        end += 3;
      }
    }
  }
  return end;
}

export type FirstSeen = 'first' | 'same' | 'other';

export class FirstParamsIndex {
  private keys = new Float64Array(1 << 16);
  /** Per slot, the entry number + 1 (0: empty). */
  private slots = new Int32Array(1 << 16);
  private used = 0;
  private readonly others = new Map<string, number>();
  /** Per entry, where its parameters are in `bytes`, and how many bytes. */
  private offsets = new Float64Array(1 << 16);
  private lengths = new Int32Array(1 << 16);
  private entries = 0;
  private bytes = new Uint8Array(1 << 20);
  private end = 0;
  private scratch = new Uint8Array(1 << 12);

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
    return this.sameAsStored(entry, params) ? 'same' : 'other';
  }

  /** The number's entry, or -1 after claiming the next entry number for it. */
  private entryOf(phone: string): number {
    const key = exactKey(phone);
    if (key < 0) {
      const entry = this.others.get(phone);
      if (entry !== undefined) return entry;
      this.others.set(phone, this.entries);
      return -1;
    }
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
    this.reserve(maxEncodedBytes(params));
    const end = encodeParams(params, this.bytes, this.end);
    this.lengths[entry] = end - this.end;
    this.end = end;
  }

  private reserve(more: number): void {
    if (this.end + more <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.end + more));
    bigger.set(this.bytes.subarray(0, this.end));
    this.bytes = bigger;
  }

  private sameAsStored(entry: number, params: readonly string[]): boolean {
    const most = maxEncodedBytes(params);
    if (this.scratch.length < most) this.scratch = new Uint8Array(most);
    const length = encodeParams(params, this.scratch, 0);
    if (length !== this.lengths[entry]) return false;
    const bytes = this.bytes;
    const scratch = this.scratch;
    const from = this.offsets[entry];
    for (let i = 0; i < length; i += 1) if (scratch[i] !== bytes[from + i]) return false;
    return true;
  }
}
