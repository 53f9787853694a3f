/**
 * The checks an .xlsx must pass before SheetJS unpacks and parses it whole (issue 3: "for .xlsx, the unpacked size
 * and sheet dimension are checked before full parsing"). SheetJS inflates every part of the archive up front and
 * trusts the sizes it finds, so everything it will unpack is bounded here first.
 */
import path from 'node:path';
import { DEFAULT_MAX_UNPACKED_BYTES, fail, type ImportLimits } from './import-types';
import { inflateEntry, inflateEntryStart, type ZipEntry } from './zip-directory';

/**
 * Worksheet XML of real data compresses about 5-20 times; a part that is both big and compresses over 100 times is
 * padding (or zeros), which is what a decompression bomb is made of.
 */
const SUSPICIOUS_RATIO = 100;
const SUSPICIOUS_SIZE = 16 * 1024 * 1024;

const FIRST_SHEET = /<(?:[\w.-]+:)?sheet\b([^>]*)>/;
const RELATIONSHIP_ID = /(?:^|\s)(?:[\w.-]+:)?id\s*=\s*"([^"]*)"/;
const RELATIONSHIP = /<(?:[\w.-]+:)?Relationship\b([^>]*)>/g;
const DIMENSION = /<(?:[\w.-]+:)?dimension\s+ref\s*=\s*"([^"]*)"/;
const WORKSHEET_PART = /^xl\/worksheets\/sheet(\d+)\.xml$/;

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*"([^"]*)"`).exec(attributes);
  return match ? match[1] : undefined;
}

function readPart(buf: Buffer, entries: readonly ZipEntry[], name: string): string | null {
  const entry = entries.find((e) => e.name === name);
  if (!entry) return null;
  const result = inflateEntry(buf, entry);
  return result.ok ? result.data.toString('utf8') : null;
}

/** The worksheet SheetJS will read as the first sheet: first in workbook.xml's `<sheets>`, found through its rels. */
export function firstWorksheet(buf: Buffer, entries: readonly ZipEntry[]): ZipEntry | null {
  const workbook = readPart(buf, entries, 'xl/workbook.xml');
  const rels = readPart(buf, entries, 'xl/_rels/workbook.xml.rels');
  const sheet = workbook ? FIRST_SHEET.exec(workbook) : null;
  const id = sheet ? RELATIONSHIP_ID.exec(sheet[1])?.[1] : undefined;
  if (rels && id !== undefined) {
    for (const match of rels.matchAll(RELATIONSHIP)) {
      if (attribute(match[1], 'Id') !== id) continue;
      const target = attribute(match[1], 'Target');
      if (target === undefined) break;
      const name = target.startsWith('/') ? target.slice(1) : path.posix.normalize(`xl/${target}`);
      const entry = entries.find((e) => e.name === name);
      if (entry) return entry;
      break;
    }
  }
  // An unusual package: fall back to the conventional name with the lowest number.
  let best: { entry: ZipEntry; n: number } | null = null;
  for (const entry of entries) {
    const match = WORKSHEET_PART.exec(entry.name);
    if (match && (best === null || Number(match[1]) < best.n)) best = { entry, n: Number(match[1]) };
  }
  return best ? best.entry : null;
}

/** The last row a worksheet declares in `<dimension ref="A1:C13"/>`, read from its first few kilobytes. */
export function declaredLastRow(buf: Buffer, sheet: ZipEntry): number | null {
  const head = inflateEntryStart(buf, sheet).toString('utf8');
  const ref = DIMENSION.exec(head)?.[1];
  const row = ref ? /(\d+)$/.exec(ref) : null;
  return row ? Number(row[1]) : null;
}

export function guardXlsx(buf: Buffer, entries: readonly ZipEntry[], limits: ImportLimits): void {
  const maxUnpacked = limits.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  const unpacked = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (unpacked > maxUnpacked) fail('zip_bomb', { unpacked, max: maxUnpacked });
  for (const entry of entries) {
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > SUSPICIOUS_SIZE && ratio > SUSPICIOUS_RATIO) fail('zip_bomb', { ratio: Math.round(ratio) });
  }

  const sheet = firstWorksheet(buf, entries);
  const lastRow = sheet ? declaredLastRow(buf, sheet) : null;
  // One row more than the limit is allowed for the header.
  if (lastRow !== null && lastRow > limits.maxRows + 1) fail('sheet_too_large', { rows: lastRow, max: limits.maxRows });

  // The sizes above are only what the archive claims: unpack each part within its claim to prove it.
  for (const entry of entries) {
    const result = inflateEntry(buf, entry);
    if (!result.ok) {
      if (result.reason === 'too_big') fail('zip_bomb', { reason: 'size_mismatch' });
      fail('corrupt', { reason: 'damaged_zip' });
    }
  }
}
