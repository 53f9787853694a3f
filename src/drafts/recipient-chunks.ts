/**
 * A draft's checked recipients as they are stored until the draft is confirmed (migration 20261125000023): chunks
 * of JSON rows, as UTF-8 bytes. Made where the check runs (the import worker thread, or in-process for typed
 * numbers, the API and resends), so that storing a 100,000-row import is 20 inserts on the main thread. Bytes rather
 * than strings: the worker hands them over without a copy, and the main thread never holds 100,000 recipients as
 * JS strings (about 30 MB that would otherwise wait in its heap for the next full garbage collection).
 */
import type { CheckReport, ValidRecipient } from '../sms/recipient-check';
import type { OptOutsScreened } from '../opt-outs/opt-out-screen';
import { JSON_NUMBER_MAX_BYTES, jsonStringMaxBytes, writeJsonNumber, writeJsonString } from './json-utf8';

export const CHUNK_ROWS = 5000;

/** One recipient: [row_number, phone, params, content, chars, segments]. */
export type PackedRow = [number, string, string[], string, number, number];

/**
 * A pack's chunks in order: an array, or a large import's spool (chunk-spool.ts) that reads a chunk back from its
 * file when asked, so that no reader needs every chunk in memory at once.
 */
export interface PackedChunkList {
  readonly length: number;
  at(index: number): Buffer | undefined;
}

/** Every chunk of a list in memory at once: for small packs and tests (a spooled pack is read back in full). */
export function chunkBuffers(list: PackedChunkList): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < list.length; i += 1) out.push(list.at(i)!);
  return out;
}

/**
 * Chunks picked from another list, some replaced: the send rules' check (issue 14) rewrites only the chunks it
 * takes rows out of, and the others are read from the source when asked, so a spooled pack stays on its file.
 */
export class ReworkedChunks implements PackedChunkList {
  /** Each chunk: its index in the source, or its new bytes. */
  constructor(
    readonly source: PackedChunkList,
    private readonly items: readonly (number | Buffer)[],
  ) {}

  get length(): number {
    return this.items.length;
  }

  at(index: number): Buffer | undefined {
    const item = this.items.at(index);
    return typeof item === 'number' ? this.source.at(item) : item;
  }
}

export interface PackedRecipients {
  count: number;
  totalChars: number;
  /** JSON arrays of PackedRow in UTF-8, CHUNK_ROWS rows each (the last may hold fewer), in file order. */
  chunks: PackedChunkList;
  /**
   * Every recipient's number, in the same order, one a line: issue 14's opt-out and cap check reads these instead of
   * parsing the chunks (100,000 rows take it 200 ms to parse). Absent on packs made before it existed.
   */
  phones?: string;
  /** Rows per chunk, when they are not CHUNK_ROWS each (rows were taken out by the opt-out check). */
  chunkRows?: number[];
  /** Issue 14: opted-out rows were left out where the pack was made (the import worker), as of this list. */
  optOutsScreened?: OptOutsScreened;
}

/** A check report without its recipient list (which travels packed beside it). */
export type CheckSummary = Omit<CheckReport, 'valid'>;

export function packRow(r: ValidRecipient): PackedRow {
  return [r.rowNumber, r.phone, r.params, r.message, r.chars, r.segments];
}

export function packRecipients(valid: readonly ValidRecipient[]): PackedRecipients & { chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  let totalChars = 0;
  for (let from = 0; from < valid.length; from += CHUNK_ROWS) {
    const rows = valid.slice(from, from + CHUNK_ROWS).map(packRow);
    for (const r of rows) totalChars += r[4];
    chunks.push(Buffer.from(JSON.stringify(rows), 'utf8'));
  }
  return { count: valid.length, totalChars, chunks, phones: valid.map((r) => r.phone).join('\n') };
}

/**
 * Packs recipients as they are checked (issue 15), handing each full chunk on at once: the import worker sends it
 * to the main thread while it reads on, so no list of every recipient is held. Same chunks as packRecipients.
 */
export class RecipientPacker {
  /**
   * The chunk being filled, as the UTF-8 bytes of its JSON so far: each row is written as it comes, so its objects
   * die young. Holding 5,000 rows as arrays until the chunk was full got them promoted to the old generation, where
   * they waited as garbage for a full collection: about 250 MB of the import thread's heap at a million rows.
   */
  private bytes = Buffer.allocUnsafe(1 << 20);
  private end = 0;
  private chunkPhones: string[] = [];
  /** The numbers of each chunk already handed on, one string a chunk (a million short strings weigh 40 MB more). */
  private readonly phones: string[] = [];
  private count = 0;
  private totalChars = 0;

  constructor(private readonly onChunk: (chunk: Buffer) => void) {}

  add(r: ValidRecipient): void {
    // JSON.stringify of the chunk's array is its rows' own JSON joined by commas, in brackets: the same bytes, here
    // written straight into the chunk (json-utf8.ts) as packRow's [row_number, phone, params, content, chars, segments].
    let units = r.phone.length + r.message.length;
    for (const param of r.params) units += param.length;
    this.reserve(jsonStringMaxBytes(units) + (r.params.length + 2) * 3 + 3 * JSON_NUMBER_MAX_BYTES + 8);
    const bytes = this.bytes;
    let end = this.end;
    bytes[end] = this.chunkPhones.length === 0 ? 0x5b : 0x2c;
    bytes[end + 1] = 0x5b;
    end = writeJsonNumber(r.rowNumber, bytes, end + 2);
    bytes[end] = 0x2c;
    end = writeJsonString(r.phone, bytes, end + 1);
    bytes[end] = 0x2c;
    bytes[end + 1] = 0x5b;
    end += 2;
    for (let i = 0; i < r.params.length; i += 1) {
      if (i > 0) {
        bytes[end] = 0x2c;
        end += 1;
      }
      end = writeJsonString(r.params[i], bytes, end);
    }
    bytes[end] = 0x5d;
    bytes[end + 1] = 0x2c;
    end = writeJsonString(r.message, bytes, end + 2);
    bytes[end] = 0x2c;
    end = writeJsonNumber(r.chars, bytes, end + 1);
    bytes[end] = 0x2c;
    end = writeJsonNumber(r.segments, bytes, end + 1);
    bytes[end] = 0x5d;
    this.end = end + 1;
    this.chunkPhones.push(r.phone);
    this.count += 1;
    this.totalChars += r.chars;
    if (this.chunkPhones.length === CHUNK_ROWS) this.flush();
  }

  private reserve(more: number): void {
    if (this.end + more <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.end + more));
    this.bytes.copy(bigger, 0, 0, this.end);
    this.bytes = bigger;
  }

  private flush(): void {
    if (this.chunkPhones.length === 0) return;
    // A chunk of its own (never a view into the working buffer, which is reused): the worker transfers it.
    const chunk = Buffer.allocUnsafeSlow(this.end + 1);
    this.bytes.copy(chunk, 0, 0, this.end);
    chunk[this.end] = 0x5d;
    this.end = 0;
    this.onChunk(chunk);
    this.phones.push(this.chunkPhones.join('\n'));
    this.chunkPhones = [];
  }

  /** Hands on the last chunk; what a PackedRecipients holds besides its chunks. */
  finish(): Omit<PackedRecipients, 'chunks'> {
    this.flush();
    return { count: this.count, totalChars: this.totalChars, phones: this.phones.join('\n') };
  }
}

export function parseChunk(bytes: Uint8Array): PackedRow[] {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as PackedRow[];
}

/**
 * A chunk's first row without parsing the other 4,999 (the check page's example message, issue 15: parsing the
 * whole chunk took 4-8 ms and left its garbage). The row's end is found byte by byte: the bytes of a multi-byte
 * UTF-8 character are never ASCII, so every bracket, quote and backslash seen is JSON's own. Anything not shaped
 * as a packer writes it is parsed whole.
 */
export function firstPackedRow(bytes: Uint8Array): PackedRow | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x5b && buf[1] === 0x5b) {
    let depth = 0;
    let inString = false;
    for (let i = 1; i < buf.length; i += 1) {
      const byte = buf[i];
      if (inString) {
        if (byte === 0x5c) i += 1;
        else if (byte === 0x22) inString = false;
      } else if (byte === 0x22) inString = true;
      else if (byte === 0x5b) depth += 1;
      else if (byte === 0x5d) {
        depth -= 1;
        if (depth === 0) return JSON.parse(buf.toString('utf8', 1, i + 1)) as PackedRow;
      }
    }
  }
  return parseChunk(bytes)[0];
}
