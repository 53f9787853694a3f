/**
 * The checks an .xlsx must pass before SheetJS unpacks and parses it (issue 3: "for .xlsx, the unpacked size and
 * sheet dimension are checked before full parsing"; issue 9: "an unpacked-size limit relative to the file size as
 * well as in absolute terms, and only the parts SheetJS needs are inflated"). SheetJS inflates every part of the
 * archive it is given and trusts the sizes it finds, so it is given only the parts needed to read the first sheet
 * (zip-subset.ts), and those are unpacked here first, each within the size it claims.
 */
import path from 'node:path';
import { countingSlack, DEFAULT_MAX_UNPACKED_BYTES, fail, type ImportLimits } from './import-types';
import { inflateEntry, inflateEntryStart, type ZipEntry } from './zip-directory';
import type { XlsxParts } from './xlsx-sheet-reader';

/**
 * Worksheet XML of real data compresses about 5-20 times; a part that is both big and compresses over 100 times is
 * padding (or zeros), which is what a decompression bomb is made of.
 */
const SUSPICIOUS_RATIO = 100;
const SUSPICIOUS_SIZE = 16 * 1024 * 1024;
/**
 * All parts together may claim at most this many times the file's size (real workbooks: 5-20 times), or
 * RELATIVE_FLOOR, whichever is more, so that a small file is never refused for compressing well. A 370 KB file
 * padded with twelve 15 MB parts of zeros claims 490 times its size.
 */
export const MAX_UNPACKED_RATIO = 100;
const RELATIVE_FLOOR = 10 * 1024 * 1024;

/** Parts of the workbook, named by their relationship type, that SheetJS reads for the first sheet's cells. */
const NEEDED_RELATIONSHIPS = /\/(?:sharedStrings|styles|theme)$/;
const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';
const CONTENT_TYPES = '[Content_Types].xml';
const PACKAGE_PARTS = [CONTENT_TYPES, '_rels/.rels', WORKBOOK, WORKBOOK_RELS];

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

function relationshipTarget(target: string): string {
  return target.startsWith('/') ? target.slice(1) : path.posix.normalize(`xl/${target}`);
}

/** The worksheet SheetJS will read as the first sheet: first in workbook.xml's `<sheets>`, found through its rels. */
export function firstWorksheet(buf: Buffer, entries: readonly ZipEntry[], rels = readPart(buf, entries, WORKBOOK_RELS)): ZipEntry | null {
  const workbook = readPart(buf, entries, WORKBOOK);
  const sheet = workbook ? FIRST_SHEET.exec(workbook) : null;
  const id = sheet ? RELATIONSHIP_ID.exec(sheet[1])?.[1] : undefined;
  if (rels && id !== undefined) {
    for (const match of rels.matchAll(RELATIONSHIP)) {
      if (attribute(match[1], 'Id') !== id) continue;
      const target = attribute(match[1], 'Target');
      if (target === undefined) break;
      const entry = entries.find((e) => e.name === relationshipTarget(target));
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

/**
 * The parts SheetJS needs to read the first sheet as the import does: the package's content types and rels, the
 * workbook and its rels, the first worksheet, and the shared strings, styles and theme the workbook points to (in
 * archive order). Other sheets, images, padding are left out. A package without `xl/workbook.xml` is not one this
 * knows how to trim: all its parts are kept (the limits above still bound them).
 */
function neededParts(entries: readonly ZipEntry[], rels: string | null, sheet: ZipEntry | null): ZipEntry[] {
  if (!entries.some((e) => e.name === WORKBOOK)) return [...entries];
  const names = new Set(PACKAGE_PARTS);
  if (sheet) names.add(sheet.name);
  for (const match of rels?.matchAll(RELATIONSHIP) ?? []) {
    const type = attribute(match[1], 'Type');
    const target = attribute(match[1], 'Target');
    if (type !== undefined && target !== undefined && NEEDED_RELATIONSHIPS.test(type)) names.add(relationshipTarget(target));
  }
  return entries.filter((e) => names.has(e.name));
}

const OVERRIDE = /<(?:[\w.-]+:)?Override\b[^>]*>/g;

/**
 * `[Content_Types].xml` listing only the parts kept: SheetJS reads every part it lists under some types (metadata,
 * people, calc chain…) and fails on one that is missing, so the list must match the smaller archive.
 */
export function contentTypesFor(buf: Buffer, entries: readonly ZipEntry[], kept: readonly ZipEntry[]): Buffer | null {
  const xml = readPart(buf, entries, CONTENT_TYPES);
  if (xml === null) return null;
  const names = new Set(kept.map((e) => e.name));
  return Buffer.from(
    xml.replace(OVERRIDE, (element) => {
      const part = attribute(element.slice(0, -1), 'PartName');
      return part === undefined || names.has(part.replace(/^\//, '')) ? element : '';
    }),
  );
}

/** The needed parts, and those the sheet reader (xlsx-sheet-reader.ts) uses, already unpacked. */
export interface GuardedXlsx {
  needed: ZipEntry[];
  /** Null when the package has no first worksheet this knows how to find. */
  parts: XlsxParts | null;
}

/**
 * Refuses an archive claiming too much; returns the parts to read, each proved to unpack within its claim (the
 * unpacked bytes of the first sheet and its shared strings, styles and workbook are kept for the sheet reader).
 */
export function guardXlsxParts(buf: Buffer, entries: readonly ZipEntry[], limits: ImportLimits): GuardedXlsx {
  const maxUnpacked = limits.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  const unpacked = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (unpacked > maxUnpacked) fail('zip_bomb', { unpacked, max: maxUnpacked });
  for (const entry of entries) {
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > SUSPICIOUS_SIZE && ratio > SUSPICIOUS_RATIO) fail('zip_bomb', { ratio: Math.round(ratio) });
  }
  const relativeMax = Math.max(RELATIVE_FLOOR, MAX_UNPACKED_RATIO * buf.length);
  if (unpacked > relativeMax) fail('zip_bomb', { unpacked, max: relativeMax });

  const rels = readPart(buf, entries, WORKBOOK_RELS);
  const sheet = firstWorksheet(buf, entries, rels);
  const needed = neededParts(entries, rels, sheet);
  const lastRow = sheet ? declaredLastRow(buf, sheet) : null;
  // One row more than the limit is allowed for the header, and the counting slack so that a sheet a little over the
  // limit is read and its numbers counted; beyond that the sheet is refused by the rows it declares.
  if (lastRow !== null && lastRow > limits.maxRows + 1 + countingSlack(limits.maxRows)) fail('sheet_too_large', { rows: lastRow, max: limits.maxRows });

  // The sizes above are only what the archive claims: unpack each needed part within its claim to prove it.
  const unpackedParts = new Map<string, Buffer>();
  for (const entry of needed) {
    const result = inflateEntry(buf, entry);
    if (!result.ok) {
      if (result.reason === 'too_big') fail('zip_bomb', { reason: 'size_mismatch' });
      fail('corrupt', { reason: 'damaged_zip' });
    }
    unpackedParts.set(entry.name, result.data);
  }
  const sheetXml = sheet ? unpackedParts.get(sheet.name) : undefined;
  if (!sheetXml || !unpackedParts.has(WORKBOOK)) return { needed, parts: null };
  const target = (type: RegExp): Buffer | null => {
    for (const match of rels?.matchAll(RELATIONSHIP) ?? []) {
      const relType = attribute(match[1], 'Type');
      const relTarget = attribute(match[1], 'Target');
      if (relType !== undefined && relTarget !== undefined && type.test(relType)) return unpackedParts.get(relationshipTarget(relTarget)) ?? null;
    }
    return null;
  };
  return {
    needed,
    parts: { sheet: sheetXml, sharedStrings: target(/\/sharedStrings$/), styles: target(/\/styles$/), workbook: unpackedParts.get(WORKBOOK) ?? null },
  };
}

/** Refuses an archive claiming too much; returns the parts to hand to SheetJS, each proved to unpack within its claim. */
export function guardXlsx(buf: Buffer, entries: readonly ZipEntry[], limits: ImportLimits): ZipEntry[] {
  return guardXlsxParts(buf, entries, limits).needed;
}
