import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import * as XLSX from 'xlsx';
import { checkRecipients, type CheckReport } from '../sms/recipient-check';
import { parseImportBuffer } from './import-parse';
import type { ImportLimits, ParsedFile } from './import-types';
import {
  asXls,
  csvOf,
  handMadeXlsx,
  NO_VARIABLES,
  passwordProtectedXlsx,
  randomBytes,
  recipientRows,
  SAMPLE_EXPECTED,
  SAMPLES_DIR,
  TWO_VARIABLES,
  withDimension,
  xlsxOf,
} from '../../test/fixtures/imports/build';

const LIMITS: ImportLimits = { maxRows: 100_000, maxBytes: 10 * 1024 * 1024 };

function sample(name: string): Buffer {
  return fs.readFileSync(path.join(SAMPLES_DIR, name));
}

function parsed(result: ParsedFile): Extract<ParsedFile, { ok: true }> {
  if (!result.ok) throw new Error(`expected rows, got ${JSON.stringify(result.error)}`);
  return result;
}

function check(buf: Buffer, fileName: string, ctx = TWO_VARIABLES, limits = LIMITS): CheckReport {
  return checkRecipients(parsed(parseImportBuffer(buf, fileName, limits)).rows, ctx);
}

function errorOf(buf: Buffer, fileName: string, limits = LIMITS) {
  const result = parseImportBuffer(buf, fileName, limits);
  if (result.ok) throw new Error(`expected an error, got ${result.rows.length} rows`);
  return result.error;
}

describe('the shared samples (samples/README.md)', () => {
  test.each([
    ['recipients-2vars.xlsx', 'xlsx', () => sample('recipients-2vars.xlsx')],
    ['recipients-2vars-utf8-bom.csv', 'csv', () => sample('recipients-2vars-utf8-bom.csv')],
    ['recipients-2vars-gbk.csv', 'csv', () => sample('recipients-2vars-gbk.csv')],
    ['recipients-2vars.xls', 'xls', () => asXls(sample('recipients-2vars.xlsx'))],
  ])('%s: 7 valid, 1 duplicate removed, 4 invalid', (fileName, format, load) => {
    const result = parsed(parseImportBuffer(load(), fileName, LIMITS));
    expect(result).toMatchObject({ format, headerSkipped: true });
    const report = checkRecipients(result.rows, TWO_VARIABLES);
    expect(report.rowsRead).toBe(SAMPLE_EXPECTED.rowsRead);
    expect(report.valid.map((r) => r.rowNumber)).toEqual(SAMPLE_EXPECTED.validRows);
    expect(report.duplicatesRemoved).toBe(SAMPLE_EXPECTED.duplicatesRemoved);
    expect(report.repeatedNumbers).toBe(SAMPLE_EXPECTED.repeatedNumbers);
    expect(report.invalid.map(({ rowNumber, problem }) => ({ rowNumber, problem }))).toEqual(SAMPLE_EXPECTED.invalid);
    expect(report.invalid.map((r) => r.value)).toEqual(['12345678901', '1380013800', '', '17712345678']);
    expect(report.valid.map((r) => r.phone)).toEqual([
      '13800138000', '13900139000', '13700137000', '15900001111', '18600002222', '13800138000', '18912345678',
    ]);
    // Row 12's formula is a parameter like any other: literal text, never evaluated.
    expect(report.valid[6].params).toEqual(['=HYPERLINK("http://x","y")', 'A1009']);
    expect(report.valid[0].params).toEqual(['张三', 'A1001']);
    expect(report).toMatchObject({ totalMessages: 7, totalSegments: 7 });
  });

  test('numbers-only.txt: spaces and +86 accepted, the invalid line reported, the duplicate removed', () => {
    const result = parsed(parseImportBuffer(sample('numbers-only.txt'), 'numbers-only.txt', LIMITS));
    expect(result).toMatchObject({ format: 'txt', headerSkipped: false });
    const report = checkRecipients(result.rows, NO_VARIABLES);
    expect(report.valid.map((r) => [r.rowNumber, r.phone])).toEqual([
      [1, '13800138000'],
      [2, '13900139000'],
      [3, '13700137000'],
    ]);
    expect(report.invalid).toEqual([{ rowNumber: 4, value: 'not-a-number', params: [], problem: { code: 'phone', reason: 'invalid_chars' } }]);
    expect(report.duplicatesRemoved).toBe(1);
  });

  test('recipients-1000.xlsx: 1,000 valid rows', () => {
    const report = check(sample('recipients-1000.xlsx'), 'recipients-1000.xlsx');
    expect(report.valid).toHaveLength(1000);
    expect(report.invalid).toEqual([]);
    expect(report.valid[999].rowNumber).toBe(1001);
  });
});

describe('bad input, each with its own error', () => {
  test.each(['empty.xlsx', 'empty.xls', 'empty.csv', 'empty.txt'])('an empty file: %s', (fileName) => {
    expect(errorOf(Buffer.alloc(0), fileName)).toEqual({ code: 'empty_file' });
  });

  test('a text file of blank lines (and a BOM) is empty too', () => {
    expect(errorOf(Buffer.from('\ufeff\r\n  \r\n', 'utf8'), 'blank.csv')).toEqual({ code: 'empty_file' });
  });

  test.each([
    ['header.csv', () => Buffer.from('手机号码,{1},{2}\r\n\r\n', 'utf8')],
    ['header.txt', () => Buffer.from('phone\n', 'utf8')],
    ['header.xlsx', () => xlsxOf([['手机号码', '{1}', '{2}']])],
    ['nothing.xlsx', () => xlsxOf([])],
  ])('only a header (or nothing) in %s', (fileName, load) => {
    expect(errorOf(load(), fileName)).toEqual({ code: 'no_rows' });
  });

  test('an .xlsx renamed .csv', () => {
    expect(errorOf(sample('recipients-2vars.xlsx'), 'list.csv')).toEqual({ code: 'type_mismatch', params: { declared: 'csv', detected: 'xlsx' } });
  });

  test('a .txt renamed .xlsx (and .xls)', () => {
    const text = sample('numbers-only.txt');
    expect(errorOf(text, 'list.xlsx')).toEqual({ code: 'type_mismatch', params: { declared: 'xlsx', detected: 'text' } });
    expect(errorOf(text, 'list.xls')).toEqual({ code: 'type_mismatch', params: { declared: 'xls', detected: 'text' } });
  });

  test('an .xls renamed .txt', () => {
    expect(errorOf(asXls(sample('recipients-2vars.xlsx')), 'list.txt')).toEqual({ code: 'type_mismatch', params: { declared: 'txt', detected: 'xls' } });
  });

  test('a ZIP that is not a workbook (e.g. a .docx) named .xlsx', () => {
    const docx = handMadeXlsx().toString('latin1').replace(/xl\/workbook\.xml/g, 'wd/document.xml');
    expect(errorOf(Buffer.from(docx, 'latin1'), 'list.xlsx')).toEqual({ code: 'type_mismatch', params: { declared: 'xlsx', detected: 'zip' } });
  });

  test('an old Office file that is not a workbook (e.g. a .doc) named .xls', () => {
    const { utils, write } = XLSX.CFB as {
      utils: { cfb_new(): object; cfb_add(c: object, name: string, data: Buffer): void };
      write(c: object, o: object): Buffer;
    };
    const doc = utils.cfb_new();
    utils.cfb_add(doc, 'WordDocument', Buffer.alloc(1024, 1));
    expect(errorOf(write(doc, { type: 'buffer', fileType: 'cfb' }), 'list.xls')).toEqual({
      code: 'type_mismatch',
      params: { declared: 'xls', detected: 'ole2' },
    });
  });

  test.each(['random.xlsx', 'random.xls', 'random.csv', 'random.txt'])('random bytes: %s', (fileName) => {
    expect(errorOf(randomBytes(4096), fileName)).toEqual({ code: 'corrupt', params: { reason: 'unrecognised_content' } });
  });

  test('a truncated .xlsx (its central directory lost)', () => {
    const xlsx = sample('recipients-2vars.xlsx');
    expect(errorOf(xlsx.subarray(0, xlsx.length / 2), 'cut.xlsx')).toMatchObject({ code: 'corrupt' });
  });

  test('an .xlsx whose data is damaged behind an intact directory', () => {
    const damaged = Buffer.from(handMadeXlsx());
    const at = damaged.indexOf('xl/worksheets/sheet1.xml') + 'xl/worksheets/sheet1.xml'.length;
    damaged.fill(0xff, at, at + 40);
    expect(errorOf(damaged, 'damaged.xlsx')).toEqual({ code: 'corrupt', params: { reason: 'damaged_zip' } });
  });

  test.each(['locked.xlsx', 'locked.xls', 'locked.csv'])('a password-protected workbook (OLE2 with EncryptedPackage): %s', (fileName) => {
    expect(errorOf(passwordProtectedXlsx(), fileName)).toEqual({ code: 'encrypted' });
  });

  test('a zip bomb: the parts claim more than the unpacked limit', () => {
    const bomb = handMadeXlsx({ padding: 2 * 1024 * 1024 });
    expect(bomb.length).toBeLessThan(20_000);
    expect(errorOf(bomb, 'bomb.xlsx', { ...LIMITS, maxUnpackedBytes: 1024 * 1024 })).toEqual({
      code: 'zip_bomb',
      params: { unpacked: expect.any(Number), max: 1024 * 1024 },
    });
  });

  test('a zip bomb: a part claiming 5 GB through ZIP64 is refused without unpacking anything', () => {
    const bomb = handMadeXlsx({ claimedSheetSize: 5 * 2 ** 30, zip64: true });
    expect(errorOf(bomb, 'bomb.xlsx')).toEqual({ code: 'zip_bomb', params: { unpacked: expect.any(Number), max: 200 * 1024 * 1024 } });
  });

  test('a zip bomb: a big part that compresses over 100 times', () => {
    const bomb = handMadeXlsx({ padding: 20 * 1024 * 1024 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(errorOf(bomb, 'bomb.xlsx')).toEqual({ code: 'zip_bomb', params: { ratio: expect.any(Number) } });
  });

  test('a zip bomb: a part that lies about its size is stopped at the size it claims', () => {
    const bomb = handMadeXlsx({ padding: 2 * 1024 * 1024, claimedSheetSize: 1000 });
    expect(errorOf(bomb, 'bomb.xlsx')).toEqual({ code: 'zip_bomb', params: { reason: 'size_mismatch' } });
  });

  test('a sheet claiming 1,048,576 rows is refused before it is read', () => {
    const huge = withDimension(xlsxOf(recipientRows(1)), 'A1:C1048576');
    expect(huge.length).toBeLessThan(20_000);
    const started = Date.now();
    expect(errorOf(huge, 'huge.xlsx')).toEqual({ code: 'sheet_too_large', params: { rows: 1_048_576, max: 100_000 } });
    console.log(`sheet_too_large answered in ${Date.now() - started} ms`);
  });

  test('100,001 rows: too_many_rows with the count found; 100,000 are fine', () => {
    const rows = recipientRows(100_001);
    expect(errorOf(csvOf(rows), 'big.csv')).toEqual({ code: 'too_many_rows', params: { found: 100_001, max: 100_000 } });
    const result = parsed(parseImportBuffer(csvOf(rows.slice(0, 100_001)), 'ok.csv', LIMITS));
    expect(result.rows).toHaveLength(100_000);
  });

  test('too many rows in a workbook and a .txt (small limit)', () => {
    const limits = { ...LIMITS, maxRows: 5 };
    const noHeader = recipientRows(6).slice(1);
    expect(errorOf(xlsxOf(noHeader), 'six.xlsx', limits)).toEqual({ code: 'too_many_rows', params: { found: 6, max: 5 } });
    // With a header the sheet declares 7 rows: a little over the limit, so it is read and its numbers counted
    // (the refusal says "6 numbers", not "the sheet declares 7 rows").
    expect(errorOf(xlsxOf(recipientRows(6)), 'six.xlsx', limits)).toEqual({ code: 'too_many_rows', params: { found: 6, max: 5 } });
    // Past the limit + the counting slack (5 here) + the header, it is refused from its dimension, unread.
    expect(errorOf(xlsxOf(recipientRows(11)), 'eleven.xlsx', limits)).toEqual({ code: 'sheet_too_large', params: { rows: 12, max: 5 } });
    // .xls is read up to the limit + the slack + 1 only, so past that the count is a lower bound.
    expect(errorOf(asXls(xlsxOf(recipientRows(10))), 'ten.xls', limits)).toEqual({ code: 'too_many_rows', params: { found: 10, max: 5 } });
    expect(errorOf(asXls(xlsxOf(recipientRows(20))), 'twenty.xls', limits)).toEqual({
      code: 'too_many_rows',
      params: { found: 11, max: 5, atLeast: 1 },
    });
    expect(errorOf(Buffer.from('13800138000\n'.repeat(8)), 'eight.txt', limits)).toEqual({ code: 'too_many_rows', params: { found: 8, max: 5 } });
  });

  test('a file over the byte limit', () => {
    expect(errorOf(sample('recipients-2vars-gbk.csv'), 'a.csv', { ...LIMITS, maxBytes: 100 })).toEqual({
      code: 'too_large',
      params: { size: 350, max: 100 },
    });
  });

  test.each([
    ['list.pdf', '.pdf'],
    ['list.xlsm', '.xlsm'],
    ['list', ''],
  ])('an unsupported file name: %s', (fileName, extension) => {
    expect(errorOf(sample('numbers-only.txt'), fileName)).toEqual({ code: 'unsupported_type', params: { extension } });
  });

  test('a .txt with parameters', () => {
    const text = Buffer.from('phone\n13800138000\n13900139000,张三\n', 'utf8');
    expect(errorOf(text, 'with-params.txt')).toEqual({ code: 'params_in_txt', params: { row: 3 } });
  });

  test('a CSV with an opening quote never closed', () => {
    expect(errorOf(Buffer.from('13800138000,"张三,A1\r\n13900139000,李四,A2\r\n'), 'bad.csv')).toEqual({
      code: 'corrupt',
      params: { reason: 'unterminated_quote', record: 1 },
    });
  });
});

describe('encodings', () => {
  test('a CSV in GBK, as Excel on Chinese Windows saves it', () => {
    const gbk = iconv.encode('手机号码,{1},{2}\r\n13800138000,张三,北京市朝阳区\r\n13900139000,李四,“引号”\r\n', 'gbk');
    const report = check(gbk, 'gbk.csv');
    expect(report.valid.map((r) => r.params)).toEqual([['张三', '北京市朝阳区'], ['李四', '“引号”']]);
  });

  test('a CSV in GB18030 with a character outside GBK', () => {
    const text = iconv.encode('13800138000,𠮷野家,A1\r\n', 'gb18030');
    expect(check(text, 'gb18030.csv').valid[0].params).toEqual(['𠮷野家', 'A1']);
  });

  test('UTF-8 without a BOM, and UTF-16 with one (Excel "Unicode text")', () => {
    expect(check(Buffer.from('13800138000,张三,A1\n', 'utf8'), 'utf8.csv').valid[0].params).toEqual(['张三', 'A1']);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('手机号码\t{1}\t{2}\r\n13800138000\t张三\tA1\r\n', 'utf16le')]);
    expect(check(utf16, 'unicode.csv').valid[0].params).toEqual(['张三', 'A1']);
  });
});

describe('cells as displayed', () => {
  test('a formula and markup in parameters stay literal text (CSV and XLSX)', () => {
    const rows = [['13800138000', '=HYPERLINK("http://x","y")', '<script>alert(1)</script>']];
    for (const [buf, name] of [[csvOf(rows), 'f.csv'], [xlsxOf(rows), 'f.xlsx']] as const) {
      expect(check(buf, name).valid[0].params).toEqual(['=HYPERLINK("http://x","y")', '<script>alert(1)</script>']);
    }
  });

  test('numbers, dates, formulas and text cells of a workbook (.xlsx and .xls)', () => {
    const sheet = XLSX.utils.aoa_to_sheet([['phone', '{1}', '{2}', '{3}', '{4}', '{5}', '{6}', '{7}']]);
    Object.assign(sheet, {
      A2: { t: 'n', v: 13800138000 },
      B2: { t: 'n', v: 12.5, z: '0.00' },
      C2: { t: 'n', v: 45000, z: 'm/d/yy' },
      D2: { t: 'n', v: 123456789012345 },
      E2: { t: 'n', v: 3, f: '1+2' },
      F2: { t: 's', v: '00123' },
      G2: { t: 'b', v: true },
      H2: { t: 'n', v: 45000, z: 'yyyy-mm-dd' },
      '!ref': 'A1:H2',
    });
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, sheet, 'S');
    const xlsx = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
    const expected = ['12.50', '2023/3/15', '123456789012345', '3', '00123', 'TRUE', '2023-03-15'];
    for (const [buf, name] of [[xlsx, 'cells.xlsx'], [asXls(xlsx), 'cells.xls']] as const) {
      const ctx = { signature: '测试', templateContent: '{1}{2}{3}{4}{5}{6}{7}' };
      const report = check(buf, name, ctx);
      expect(report.invalid).toEqual([]);
      expect(report.valid[0]).toMatchObject({ phone: '13800138000', params: expected });
    }
  });

  test('only the first sheet is read', () => {
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['13800138000', 'a', 'b']]), 'First');
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['13900139000', 'c', 'd'], ['13700137000', 'e', 'f']]), 'Second');
    const report = check(XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer, 'two-sheets.xlsx');
    expect(report.valid.map((r) => r.phone)).toEqual(['13800138000']);
  });

  test('an .xlsx saved with an .xls name is read by its content', () => {
    const result = parsed(parseImportBuffer(sample('recipients-2vars.xlsx'), 'list.xls', LIMITS));
    expect(result.format).toBe('xlsx');
  });

  test('hand-made packages (no styles, inline strings; re-packed) are read', () => {
    expect(parsed(parseImportBuffer(handMadeXlsx(), 'hand.xlsx', LIMITS)).rows).toEqual([{ rowNumber: 2, cells: ['13800138000'] }]);
    const repacked = withDimension(xlsxOf(recipientRows(2)), 'A1:C3');
    expect(parsed(parseImportBuffer(repacked, 'repacked.xlsx', LIMITS)).rows).toHaveLength(2);
  });
});

describe('header row and row numbers', () => {
  test.each([
    ['phone', true],
    ['手机号码', true],
    ['号码', true],
    ['Mobile No.', true],
    ['12800138000', false],
    ['13800138000', false],
    ['+86 138 0013 8000', false],
    ['tel 13800138000', false],
    ['--', false],
  ])('a first row starting with %p is a header: %p', (first, isHeader) => {
    const result = parsed(parseImportBuffer(csvOf([[first, 'a', 'b'], ['13900139000', 'c', 'd']]), 'h.csv', LIMITS));
    expect(result.headerSkipped).toBe(isHeader);
    expect(result.rows[0].cells[0]).toBe(isHeader ? '13900139000' : first);
  });

  test('an invalid number in the first row is reported as row 1, not taken for a header', () => {
    const report = check(csvOf([['12800138000', 'a', 'b'], ['13900139000', 'c', 'd']]), 'first-invalid.csv');
    expect(report.invalid).toEqual([{ rowNumber: 1, value: '12800138000', params: ['a', 'b'], problem: { code: 'phone', reason: 'not_mobile' } }]);
  });

  test("the import template's header with an empty first cell", () => {
    const result = parsed(parseImportBuffer(csvOf([['', '{1}', '{2}'], ['13900139000', 'c', 'd']]), 't.csv', LIMITS));
    expect(result).toMatchObject({ headerSkipped: true, rows: [{ rowNumber: 2 }] });
  });

  test('rows are numbered as the spreadsheet shows them (header row 1); blank lines keep their place', () => {
    const csv = Buffer.from('手机号码,{1},{2}\r\n13800138000,a,b\r\n,,\r\n\r\n13900139000,c,d\r\n', 'utf8');
    expect(parsed(parseImportBuffer(csv, 'gaps.csv', LIMITS)).rows.map((r) => r.rowNumber)).toEqual([2, 5]);
    const book = XLSX.utils.book_new();
    const sheet = XLSX.utils.aoa_to_sheet([['phone', '{1}', '{2}'], ['13800138000', 'a', 'b']]);
    XLSX.utils.sheet_add_aoa(sheet, [['13900139000', 'c', 'd']], { origin: 'A5' });
    XLSX.utils.book_append_sheet(book, sheet, 'S');
    const xlsx = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
    expect(parsed(parseImportBuffer(xlsx, 'gaps.xlsx', LIMITS)).rows.map((r) => r.rowNumber)).toEqual([2, 5]);
  });

  test('.txt: a header, blank lines, trailing separators and full-width digits', () => {
    const text = Buffer.from('号码\r\n13800138000,\r\n\r\n１３９００１３９０００\r\n', 'utf8');
    const report = check(text, 'list.txt', NO_VARIABLES);
    expect(report.valid.map((r) => [r.rowNumber, r.phone])).toEqual([[2, '13800138000'], [4, '13900139000']]);
  });
});

describe('a buffer handed over (ownsBuffer, as the import thread passes its own copy)', () => {
  const own = (buf: Buffer) => Buffer.from(Uint8Array.prototype.slice.call(buf).buffer);
  const rows = recipientRows(500);

  test('an .xlsx: the same rows, and the archive’s bytes are let go once the sheet reader has its parts', () => {
    const xlsx = xlsxOf(rows);
    const expected = parsed(parseImportBuffer(xlsx, 'a.xlsx', LIMITS)).rows;
    const handed = own(xlsx);
    expect(parsed(parseImportBuffer(handed, 'a.xlsx', LIMITS, undefined, undefined, { ownsBuffer: true })).rows).toEqual(expected);
    expect(handed.buffer.byteLength).toBe(0);
  });

  test('an .xlsx whose parts are stored uncompressed (views into the archive): its bytes are kept, the rows right', () => {
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), 'S');
    const stored = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: false }) as Buffer;
    const expected = parsed(parseImportBuffer(stored, 'a.xlsx', LIMITS)).rows;
    expect(expected).toHaveLength(500);
    const handed = own(stored);
    expect(parsed(parseImportBuffer(handed, 'a.xlsx', LIMITS, undefined, undefined, { ownsBuffer: true })).rows).toEqual(expected);
    expect(handed.buffer.byteLength).toBe(stored.length);
  });

  test('without it the caller’s buffer is never touched', () => {
    const xlsx = own(xlsxOf(rows));
    parsed(parseImportBuffer(xlsx, 'a.xlsx', LIMITS));
    expect(xlsx.buffer.byteLength).toBeGreaterThan(0);
  });
});
