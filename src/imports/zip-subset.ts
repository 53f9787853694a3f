/**
 * A smaller ZIP archive made of some entries of another, their compressed bytes copied as they are (nothing is
 * inflated or deflated again). SheetJS unpacks every part of the archive it is given, so an .xlsx is handed to it
 * as just the parts it needs to read the first sheet, and padding parts are never unpacked at all.
 *
 * Format: PKWARE APPNOTE.TXT 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end record), laid out as
 * zip-records.ts says for the reader too. Sizes are written in the headers themselves (no data descriptor, flag bit 3
 * cleared); the entries given have passed the unpacked-size limits, so none needs ZIP64.
 */
import { entryData, METHOD_STORED, type ZipEntry } from './zip-directory';
import { CENTRAL_HEADER, DATA_DESCRIPTOR_FLAG, END_OF_CENTRAL_DIRECTORY, LOCAL_HEADER, UTF8_FLAG, type EntryFieldOffsets } from './zip-records';

const VERSION = 20;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = -1;
  for (let i = 0; i < data.length; i += 1) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * The archive of `entries` taken from `buf`, or null if one of them cannot be located. An entry named in `replaced`
 * gets that content instead, stored uncompressed (for a small part rewritten to match the subset).
 */
export function zipSubset(buf: Buffer, entries: readonly ZipEntry[], replaced: ReadonlyMap<string, Buffer> = new Map()): Buffer | null {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const original of entries) {
    const content = replaced.get(original.name);
    const entry = content
      ? { ...original, method: METHOD_STORED, crc32: crc32(content), compressedSize: content.length, uncompressedSize: content.length }
      : original;
    const data = content ?? entryData(buf, entry);
    if (!data || entry.uncompressedSize > 0xfffffffe || entry.compressedSize > 0xfffffffe) return null;
    const name = Buffer.from(entry.name, 'utf8');
    const flags = (entry.flags & ~DATA_DESCRIPTOR_FLAG) | UTF8_FLAG;
    const local = entryRecord(LOCAL_HEADER, entry, flags, name.length);
    local.writeUInt16LE(VERSION, LOCAL_HEADER.versionNeeded);
    const central = entryRecord(CENTRAL_HEADER, entry, flags, name.length);
    central.writeUInt16LE(VERSION, CENTRAL_HEADER.versionMadeBy);
    central.writeUInt16LE(VERSION, CENTRAL_HEADER.versionNeeded);
    central.writeUInt32LE(offset, CENTRAL_HEADER.localHeaderOffset);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const EOCD = END_OF_CENTRAL_DIRECTORY;
  const end = Buffer.alloc(EOCD.size);
  end.writeUInt32LE(EOCD.signature, 0);
  end.writeUInt16LE(entries.length, EOCD.entriesOnDisk);
  end.writeUInt16LE(entries.length, EOCD.entries);
  end.writeUInt32LE(directory.length, EOCD.directorySize);
  end.writeUInt32LE(offset, EOCD.directoryOffset);
  return Buffer.concat([...locals, directory, end]);
}

/** A local header or central directory record with its signature and the fields both carry about the entry. */
function entryRecord(layout: EntryFieldOffsets & { signature: number; size: number }, entry: ZipEntry, flags: number, nameLength: number): Buffer {
  const record = Buffer.alloc(layout.size);
  record.writeUInt32LE(layout.signature, 0);
  record.writeUInt16LE(flags, layout.flags);
  record.writeUInt16LE(entry.method, layout.method);
  record.writeUInt32LE(entry.crc32, layout.crc32);
  record.writeUInt32LE(entry.compressedSize, layout.compressedSize);
  record.writeUInt32LE(entry.uncompressedSize, layout.uncompressedSize);
  record.writeUInt16LE(nameLength, layout.nameLength);
  return record;
}
