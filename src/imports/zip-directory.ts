/**
 * Reads a ZIP archive's central directory (the table of contents at the end of the file) without unpacking
 * anything, so an .xlsx can be judged by what it claims before SheetJS inflates it whole.
 *
 * Format: PKWARE APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12 (central directory), 4.3.14-4.3.16 (ZIP64 and
 * end of central directory records; the fixed layouts are in zip-records.ts) and 4.5.3 (ZIP64 extra field). Only what an .xlsx needs; anything malformed
 * makes `readZipDirectory` return null.
 */
import zlib from 'node:zlib';
import { CENTRAL_HEADER, END_OF_CENTRAL_DIRECTORY, LOCAL_HEADER, UTF8_FLAG } from './zip-records';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  /** As the central directory gives it (zip-subset.ts copies it into the smaller archive it builds). */
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD = END_OF_CENTRAL_DIRECTORY;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;
/** No workbook has this many parts; a directory claiming more is garbage or an attack. */
const MAX_ENTRIES = 65_535;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

function findEndOfCentralDirectory(buf: Buffer): number {
  const lowest = Math.max(0, buf.length - EOCD.size - MAX_COMMENT);
  for (let at = buf.length - EOCD.size; at >= lowest; at -= 1) {
    if (buf.readUInt32LE(at) === EOCD.signature) return at;
  }
  return -1;
}

function readBig(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64LE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

interface DirectoryPosition {
  count: number;
  offset: number;
  size: number;
}

function locateDirectory(buf: Buffer, eocd: number): DirectoryPosition | null {
  let count = buf.readUInt16LE(eocd + EOCD.entries);
  let size = buf.readUInt32LE(eocd + EOCD.directorySize);
  let offset = buf.readUInt32LE(eocd + EOCD.directoryOffset);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) return null;
    const zip64 = readBig(buf, locator + 8);
    if (zip64 + 56 > buf.length || buf.readUInt32LE(zip64) !== ZIP64_EOCD_SIGNATURE) return null;
    count = readBig(buf, zip64 + 32);
    size = readBig(buf, zip64 + 40);
    offset = readBig(buf, zip64 + 48);
  }
  if (count > MAX_ENTRIES || offset + size > buf.length) return null;
  return { count, offset, size };
}

/** Sizes of 0xFFFFFFFF mean "see the ZIP64 extra field", which lists only the fields so marked, in this order. */
function applyZip64Extra(buf: Buffer, start: number, end: number, entry: ZipEntry, rawOffset: number): boolean {
  let at = start;
  while (at + 4 <= end) {
    const id = buf.readUInt16LE(at);
    const length = buf.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA_ID) {
      let field = at + 4;
      const fieldEnd = field + length;
      const next = (): number | null => {
        if (field + 8 > fieldEnd) return null;
        const value = readBig(buf, field);
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next() ?? -1;
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next() ?? -1;
      if (rawOffset === 0xffffffff) entry.localHeaderOffset = next() ?? -1;
      return entry.uncompressedSize >= 0 && entry.compressedSize >= 0 && entry.localHeaderOffset >= 0;
    }
    at += 4 + length;
  }
  return entry.uncompressedSize !== 0xffffffff && entry.compressedSize !== 0xffffffff && rawOffset !== 0xffffffff;
}

/** The archive's entries as its central directory lists them, or null when it is not a readable ZIP. */
export function readZipDirectory(buf: Buffer): ZipEntry[] | null {
  if (buf.length < EOCD.size) return null;
  const eocd = findEndOfCentralDirectory(buf);
  if (eocd < 0) return null;
  const position = locateDirectory(buf, eocd);
  if (!position) return null;

  const entries: ZipEntry[] = [];
  const end = position.offset + position.size;
  let at = position.offset;
  for (let i = 0; i < position.count; i += 1) {
    if (at + CENTRAL_HEADER.size > end || buf.readUInt32LE(at) !== CENTRAL_HEADER.signature) return null;
    const nameLength = buf.readUInt16LE(at + CENTRAL_HEADER.nameLength);
    const extraLength = buf.readUInt16LE(at + CENTRAL_HEADER.extraLength);
    const commentLength = buf.readUInt16LE(at + CENTRAL_HEADER.commentLength);
    const nameStart = at + CENTRAL_HEADER.size;
    if (nameStart + nameLength + extraLength + commentLength > end) return null;
    const flags = buf.readUInt16LE(at + CENTRAL_HEADER.flags);
    const rawOffset = buf.readUInt32LE(at + CENTRAL_HEADER.localHeaderOffset);
    const entry: ZipEntry = {
      // Workbook part names are ASCII either way.
      name: buf.toString(flags & UTF8_FLAG ? 'utf8' : 'latin1', nameStart, nameStart + nameLength),
      method: buf.readUInt16LE(at + CENTRAL_HEADER.method),
      flags,
      crc32: buf.readUInt32LE(at + CENTRAL_HEADER.crc32),
      compressedSize: buf.readUInt32LE(at + CENTRAL_HEADER.compressedSize),
      uncompressedSize: buf.readUInt32LE(at + CENTRAL_HEADER.uncompressedSize),
      localHeaderOffset: rawOffset,
    };
    const extraStart = nameStart + nameLength;
    if (!applyZip64Extra(buf, extraStart, extraStart + extraLength, entry, rawOffset)) return null;
    entries.push(entry);
    at = extraStart + extraLength + commentLength;
  }
  return entries;
}

/** Where the entry's compressed bytes are, read from its local header (whose name/extra lengths may differ). */
export function entryData(buf: Buffer, entry: ZipEntry): Buffer | null {
  const header = entry.localHeaderOffset;
  if (header + LOCAL_HEADER.size > buf.length || buf.readUInt32LE(header) !== LOCAL_HEADER.signature) return null;
  const start = header + LOCAL_HEADER.size + buf.readUInt16LE(header + LOCAL_HEADER.nameLength) + buf.readUInt16LE(header + LOCAL_HEADER.extraLength);
  const end = start + entry.compressedSize;
  if (end > buf.length) return null;
  return buf.subarray(start, end);
}

export type InflateResult = { ok: true; data: Buffer } | { ok: false; reason: 'too_big' | 'size_mismatch' | 'unreadable' };

/**
 * Unpacks one entry, refusing to produce more than it declares: zlib stops at `maxOutputLength`, so an entry whose
 * directory record lies about its size costs at most that size, never the gigabytes it really holds.
 */
export function inflateEntry(buf: Buffer, entry: ZipEntry): InflateResult {
  const data = entryData(buf, entry);
  if (!data) return { ok: false, reason: 'unreadable' };
  if (entry.method === METHOD_STORED) {
    return entry.compressedSize === entry.uncompressedSize ? { ok: true, data } : { ok: false, reason: 'size_mismatch' };
  }
  if (entry.method !== METHOD_DEFLATED) return { ok: false, reason: 'unreadable' };
  let out: Buffer;
  try {
    // One output buffer of the declared size (the limits above bound it): zlib otherwise collects 16 KB pieces and
    // copies them into one at the end, which briefly doubles the memory of a big sheet (issue 15: 130 MB at
    // 1,000,000 rows).
    out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize), chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, entry.uncompressedSize + 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'too_big' };
    return { ok: false, reason: 'unreadable' };
  }
  return out.length === entry.uncompressedSize ? { ok: true, data: out } : { ok: false, reason: 'size_mismatch' };
}

/**
 * The first bytes of an entry, from its first `compressedBytes` compressed bytes: enough to read the header of an
 * XML part (a worksheet's `<dimension>`) without unpacking the rest. Returns an empty buffer when unreadable.
 */
export function inflateEntryStart(buf: Buffer, entry: ZipEntry, compressedBytes = 4096, maxOutput = 8 * 1024 * 1024): Buffer {
  const data = entryData(buf, entry);
  if (!data) return Buffer.alloc(0);
  if (entry.method === METHOD_STORED) return data.subarray(0, maxOutput);
  if (entry.method !== METHOD_DEFLATED) return Buffer.alloc(0);
  try {
    // Z_SYNC_FLUSH returns what the truncated input decodes to instead of failing on the missing end.
    return zlib.inflateRawSync(data.subarray(0, compressedBytes), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: maxOutput,
    });
  } catch {
    return Buffer.alloc(0);
  }
}
