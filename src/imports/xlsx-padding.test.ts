/**
 * Issue 9, section 5: a workbook padded with big parts. The parts SheetJS does not need are never unpacked, and
 * all parts together may claim at most 100 times the file's size (with a 10 MB floor) besides the absolute limit.
 */
import * as XLSX from 'xlsx';
import { parseImportBuffer } from './import-parse';
import type { ImportLimits, ParsedFile } from './import-types';
import { readZipDirectory } from './zip-directory';
import { recipientRows, withExtraParts, xlsxOf } from '../../test/fixtures/imports/build';

const LIMITS: ImportLimits = { maxRows: 100_000, maxBytes: 10 * 1024 * 1024 };
const MB = 1024 * 1024;

function rowsOf(result: ParsedFile) {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.rows;
}

test('padding parts are never unpacked: parts that lie about their size do not matter when they are not needed', () => {
  const book = xlsxOf(recipientRows(3));
  // Each claims 3 MB but holds 1 KB: unpacking one would be caught as a size mismatch (a zip bomb).
  const liar = (name: string) => ({ name, data: Buffer.alloc(1024), claimedSize: 3 * MB });
  const padded = withExtraParts(book, [liar('xl/media/pad1.bin'), liar('xl/media/pad2.bin'), liar('customXml/item1.xml')]);
  expect(readZipDirectory(padded)!.length).toBe(readZipDirectory(book)!.length + 3);
  const rows = rowsOf(parseImportBuffer(padded, 'padded.xlsx', LIMITS));
  expect(rows.map((r) => r.cells[0])).toEqual(recipientRows(3).slice(1).map((r) => r[0]));
});

test('a needed part that lies about its size is still refused', () => {
  const book = xlsxOf(recipientRows(3));
  const lyingSheet = withExtraParts(book, []);
  const entries = readZipDirectory(lyingSheet)!;
  const sheet = entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')!;
  // Its uncompressed size in the central directory, one byte short of the truth.
  const central = lyingSheet.lastIndexOf(Buffer.from('xl/worksheets/sheet1.xml')) - 46;
  lyingSheet.writeUInt32LE(sheet.uncompressedSize - 1, central + 24);
  expect(parseImportBuffer(lyingSheet, 'liar.xlsx', LIMITS)).toEqual({ ok: false, error: { code: 'zip_bomb', params: { reason: 'size_mismatch' } } });
});

test('all parts together may claim at most 100 times the file size (10 MB at least), refused before unpacking', () => {
  const book = xlsxOf(recipientRows(3));
  // Twelve 1 MB parts of zeros: each compresses about 1,000 times, under the 16 MB per-part alarm.
  const padding = Array.from({ length: 12 }, (_, i) => ({ name: `xl/media/pad${i}.bin`, data: Buffer.alloc(MB) }));
  const padded = withExtraParts(book, padding);
  expect(padded.length).toBeLessThan(100_000);
  expect(parseImportBuffer(padded, 'padded.xlsx', LIMITS)).toEqual({
    ok: false,
    error: { code: 'zip_bomb', params: { unpacked: expect.any(Number), max: 10 * MB } },
  });
  // The same padding, fewer parts: under the floor, read (the padding left packed).
  expect(rowsOf(parseImportBuffer(withExtraParts(book, padding.slice(0, 4)), 'padded.xlsx', LIMITS))).toHaveLength(3);
});

test('the first sheet of a workbook with shared strings and other sheets reads as before', () => {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['phone', 'name'], [13800138000, '张三'], ['13900139000', '李四']]), 'first');
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['other'], ['13700137000']]), 'second');
  const buf = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', bookSST: true }) as Buffer;
  expect(readZipDirectory(buf)!.map((e) => e.name)).toEqual(expect.arrayContaining(['xl/sharedStrings.xml', 'xl/worksheets/sheet2.xml']));
  const rows = rowsOf(parseImportBuffer(buf, 'two-sheets.xlsx', LIMITS));
  expect(rows).toEqual([
    { rowNumber: 2, cells: [13800138000, '张三'] },
    { rowNumber: 3, cells: ['13900139000', '李四'] },
  ]);
});
