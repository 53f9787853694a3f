/**
 * A smaller ZIP archive made of some entries of another, their compressed bytes copied as they are (nothing is
 * inflated or deflated again). SheetJS unpacks every part of the archive it is given, so an .xlsx is handed to it
 * as just the parts it needs to read the first sheet, and padding parts are never unpacked at all.
 *
 * Format: PKWARE APPNOTE.TXT 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end record). Sizes are
 * written in the headers themselves (no data descriptor, flag bit 3 cleared); the entries given have passed the
 * unpacked-size limits, so none needs ZIP64.
 */
import { entryData, METHOD_STORED, type ZipEntry } from './zip-directory';

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_SIGNATURE = 0x06054b50;
const VERSION = 20;
const DATA_DESCRIPTOR_FLAG = 0x08;
const UTF8_FLAG = 0x800;

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
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIGNATURE, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.crc32, 14);
    local.writeUInt32LE(entry.compressedSize, 18);
    local.writeUInt32LE(entry.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0);
    central.writeUInt16LE(VERSION, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.crc32, 16);
    central.writeUInt32LE(entry.compressedSize, 20);
    central.writeUInt32LE(entry.uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD_SIGNATURE, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
