/**
 * The fixed-size ZIP records as byte offsets of their fields, shared by the reader (zip-directory.ts) and the
 * writer (zip-subset.ts) so both agree on one layout. Format: PKWARE APPNOTE.TXT 4.3.7 (local file header), 4.3.12
 * (central directory file header), 4.3.16 (end of central directory record). All fields are little-endian.
 */

/** The fields a local header and a central directory record both carry about an entry. */
export interface EntryFieldOffsets {
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  nameLength: number;
  extraLength: number;
}

export const LOCAL_HEADER = {
  signature: 0x04034b50,
  size: 30,
  versionNeeded: 4,
  flags: 6,
  method: 8,
  crc32: 14,
  compressedSize: 18,
  uncompressedSize: 22,
  nameLength: 26,
  extraLength: 28,
} as const satisfies EntryFieldOffsets & Record<string, number>;

export const CENTRAL_HEADER = {
  signature: 0x02014b50,
  size: 46,
  versionMadeBy: 4,
  versionNeeded: 6,
  flags: 8,
  method: 10,
  crc32: 16,
  compressedSize: 20,
  uncompressedSize: 24,
  nameLength: 28,
  extraLength: 30,
  commentLength: 32,
  localHeaderOffset: 42,
} as const satisfies EntryFieldOffsets & Record<string, number>;

export const END_OF_CENTRAL_DIRECTORY = {
  signature: 0x06054b50,
  size: 22,
  entriesOnDisk: 8,
  entries: 10,
  directorySize: 12,
  directoryOffset: 16,
} as const;

/** General purpose flag bit 3: sizes and CRC follow the data in a data descriptor. */
export const DATA_DESCRIPTOR_FLAG = 0x08;
/** General purpose flag bit 11: the name is UTF-8. */
export const UTF8_FLAG = 0x800;
