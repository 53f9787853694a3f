/**
 * One uploaded file to numbered rows (issue 3, "Parsing" and "Bad input"), synchronously. The web handler does not
 * call this directly: import-worker.ts runs it in a worker thread.
 *
 * Cheap checks come first (name, size, content type, what an .xlsx claims to hold), so a bad file is refused before
 * any heavy work. Decisions beyond the issue:
 * - The type is what the content is. The two spreadsheet kinds may stand in for each other (an .xlsx saved as .xls
 *   is common, and SheetJS reads both), but text is never a spreadsheet and a spreadsheet never text.
 * - .txt is numbers only: a line with a comma, semicolon or tab between two non-empty pieces refuses the whole file
 *   with `params_in_txt` and that row number (rather than marking rows), because it means the user meant a CSV.
 *   Spaces stay inside a number ("139 0013 9000"), as everywhere in batch import.
 * - A file with nothing but blanks is `empty_file`; a file whose only non-blank row is a header is `no_rows`.
 */
import { fail, ImportFailure, type InputRow, type ImportFormat, type ImportLimits, type ParsedFile, type ProgressListener } from './import-types';
import { detectContent, extensionOf, formatFromName } from './file-type';
import { contentTypesFor, guardXlsxParts } from './xlsx-guard';
import { zipSubset } from './zip-subset';
import type { ZipEntry } from './zip-directory';
import { readSheetRows, sheetRowsToRead } from './sheet-read';
import { readXlsxSheet } from './xlsx-sheet-reader';
import { decodeText, isReadableText } from './text-decode';
import { parseCsv } from './csv-parse';
import { isBlankRow, RowCollector } from './row-collector';

const LINE_BREAK = /\r\n|\n|\r/;
/** Column separators a .txt line must not use: ASCII and full-width comma and semicolon, and tab. */
const TXT_COLUMNS = /[,;\t，；]/;

function expectSpreadsheet(declared: ImportFormat, detected: 'xlsx' | 'xls'): void {
  if (declared === 'csv' || declared === 'txt') fail('type_mismatch', { declared, detected });
}

function readCsv(text: string, collector: RowCollector): void {
  const result = parseCsv(text, (fields) => collector.add(fields));
  if (!result.ok) fail('corrupt', { reason: result.reason, record: result.record });
}

function readTxt(text: string, collector: RowCollector): void {
  for (const line of text.split(LINE_BREAK)) {
    collector.add(TXT_COLUMNS.test(line) ? line.split(TXT_COLUMNS) : [line]);
  }
  for (const row of collector.rows) {
    const pieces = row.cells.filter((cell) => typeof cell === 'string' && cell.trim() !== '');
    if (pieces.length > 1) fail('params_in_txt', { row: row.rowNumber });
    row.cells = pieces.length === 1 ? pieces : [row.cells[0]];
  }
}

function readText(buf: Buffer, format: 'csv' | 'txt', collector: RowCollector): void {
  const { text } = decodeText(buf);
  if (isBlankRow([text])) fail('empty_file');
  if (!isReadableText(text)) fail('corrupt', { reason: 'not_text' });
  if (format === 'csv') readCsv(text, collector);
  else readTxt(text, collector);
}

/** The workbook as SheetJS is to read it: only the parts the guard found needed, so padding is never unpacked. */
function onlyNeededParts(buf: Buffer, entries: readonly ZipEntry[], needed: readonly ZipEntry[]): Buffer {
  if (needed.length === entries.length) return buf;
  const contentTypes = contentTypesFor(buf, entries, needed);
  const replaced = new Map(contentTypes ? [['[Content_Types].xml', contentTypes]] : []);
  return zipSubset(buf, needed, replaced) ?? fail('corrupt', { reason: 'damaged_zip' });
}

/**
 * An .xlsx: the sheet reader (xlsx-sheet-reader.ts) over the parts the guard unpacked, or SheetJS for a package
 * it does not read (no workbook part, ISO date cells).
 */
function readXlsx(buf: Buffer, entries: readonly ZipEntry[], limits: ImportLimits, collector: RowCollector, release?: () => void): { truncated: boolean } {
  const { needed, parts } = guardXlsxParts(buf, entries, limits);
  // A part stored uncompressed is a view into the archive's bytes: then they are kept.
  const viewed = parts && [parts.sheet, parts.sharedStrings, parts.styles, parts.workbook].some((part) => part?.buffer === buf.buffer);
  const streamed = parts ? readXlsxSheet(parts, sheetRowsToRead(limits.maxRows), collector, viewed ? undefined : release) : null;
  return streamed ?? readSheetRows(onlyNeededParts(buf, entries, needed), limits.maxRows, collector);
}

function parse(buf: Buffer, fileName: string, limits: ImportLimits, onProgress?: ProgressListener, onRow?: RowListener, release?: () => void): Extract<ParsedFile, { ok: true }> {
  const declared = formatFromName(fileName);
  if (!declared) fail('unsupported_type', { extension: extensionOf(fileName) });
  if (buf.length === 0) fail('empty_file');
  if (buf.length > limits.maxBytes) fail('too_large', { size: buf.length, max: limits.maxBytes });
  onProgress?.({ phase: 'reading' });

  const detected = detectContent(buf);
  // A .txt is judged whole before its rows are used (params_in_txt), so its rows are handed on after reading.
  const collector = new RowCollector(limits.maxRows, declared === 'txt' ? undefined : onRow);
  let format: ImportFormat;
  let truncated = false;
  switch (detected.kind) {
    case 'encrypted':
      fail('encrypted');
    case 'xlsx':
      expectSpreadsheet(declared, 'xlsx');
      ({ truncated } = readXlsx(buf, detected.entries, limits, collector, release));
      format = 'xlsx';
      break;
    case 'xls':
      expectSpreadsheet(declared, 'xls');
      ({ truncated } = readSheetRows(buf, limits.maxRows, collector));
      format = 'xls';
      break;
    case 'text':
      if (declared === 'xlsx' || declared === 'xls') fail('type_mismatch', { declared, detected: 'text' });
      readText(buf, declared, collector);
      if (onRow && declared === 'txt') {
        for (const row of collector.rows) onRow(row);
        collector.rows.length = 0;
      }
      format = declared;
      break;
    case 'zip':
    case 'ole2':
      fail('type_mismatch', { declared, detected: detected.kind });
    case 'binary':
      fail('corrupt', { reason: 'unrecognised_content' });
  }

  if (collector.dataRows === 0) fail('no_rows');
  if (collector.overLimit) {
    fail('too_many_rows', truncated ? { found: collector.dataRows, max: limits.maxRows, atLeast: 1 } : { found: collector.dataRows, max: limits.maxRows });
  }
  return { ok: true, format, headerSkipped: collector.headerSkipped, rows: collector.rows };
}

/** A data row as soon as it is read; the rows are then not kept in the result (it answers `rows: []`). */
export type RowListener = (row: InputRow) => void;

/**
 * With `ownsBuffer` the caller hands `buf` over for good (the import thread's own copy): once an .xlsx's parts are
 * unpacked and the sheet reader is committed to it, its memory is let go (issue 15: 31 MB at a million rows, held
 * for nothing while the sheet was read). `buf` is then detached (empty) when this returns.
 */
export function parseImportBuffer(
  buf: Buffer,
  fileName: string,
  limits: ImportLimits,
  onProgress?: ProgressListener,
  onRow?: RowListener,
  { ownsBuffer = false }: { ownsBuffer?: boolean } = {},
): ParsedFile {
  const release = ownsBuffer ? () => void structuredClone(buf.buffer, { transfer: [buf.buffer] }) : undefined;
  try {
    return parse(buf, fileName, limits, onProgress, onRow, release);
  } catch (err) {
    if (err instanceof ImportFailure) return { ok: false, error: err.error };
    throw err;
  }
}
