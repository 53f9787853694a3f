/**
 * The differential test of issue 15: every .xlsx fixture and a generated corpus read by the sheet reader
 * (xlsx-sheet-reader.ts) and by SheetJS (sheet-read.ts, the oracle), record by record, cell by cell.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as XLSX from 'xlsx';
import { readSheetRows, sheetRowsToRead } from './sheet-read';
import { readXlsxSheet, type RowSink } from './xlsx-sheet-reader';
import { guardXlsxParts } from './xlsx-guard';
import { readZipDirectory } from './zip-directory';
import { generalNumber } from './xlsx-number-format';
import { parseImportBuffer } from './import-parse';
import { checkRecipients } from '../sms/recipient-check';
import { SAMPLES_DIR, recipientRows, xlsxFromXml, xlsxOf } from '../../test/fixtures/imports/build';
import { prng } from '../../test/helpers/prng';

type Recorded = ['add', unknown[]] | ['skip', number];

/** Records what a reader hands on; runs of gaps are summed (how they are split does not matter). */
class Recorder implements RowSink {
  readonly records: Recorded[] = [];
  add(cells: unknown[]): void {
    this.records.push(['add', [...cells]]);
  }
  skip(count: number): void {
    const last = this.records[this.records.length - 1];
    if (last && last[0] === 'skip') last[1] += count;
    else this.records.push(['skip', count]);
  }
}

const LIMITS = { maxRows: 1000, maxBytes: 10 * 1024 * 1024 };

function viaSheetJs(buf: Buffer, maxRows = LIMITS.maxRows): { records: Recorded[]; truncated: boolean } {
  const recorder = new Recorder();
  const { truncated } = readSheetRows(buf, maxRows, recorder);
  return { records: recorder.records, truncated };
}

function viaReader(buf: Buffer, maxRows = LIMITS.maxRows): { records: Recorded[]; truncated: boolean } {
  const entries = readZipDirectory(buf);
  if (!entries) throw new Error('not a ZIP');
  const { parts } = guardXlsxParts(buf, entries, { ...LIMITS, maxRows });
  if (!parts) throw new Error('no sheet parts');
  const recorder = new Recorder();
  const result = readXlsxSheet(parts, sheetRowsToRead(maxRows), recorder);
  if (!result) throw new Error('left to SheetJS');
  return { records: recorder.records, truncated: result.truncated };
}

function expectSame(buf: Buffer, maxRows?: number): void {
  const oracle = viaSheetJs(buf, maxRows);
  expect(viaReader(buf, maxRows)).toEqual(oracle);
}


/** Cell values of every kind a recipient file holds, and some it should not. */
const POOL: (() => XLSX.CellObject | null)[] = [
  () => ({ t: 'n', v: 13800138000 }),
  () => ({ t: 'n', v: 8613800138000 }),
  () => ({ t: 'n', v: 1.38001380001e10 }),
  () => ({ t: 's', v: '13800138000' }),
  () => ({ t: 's', v: '1.38E+10' }),
  () => ({ t: 's', v: '+86 138-0013-8000' }),
  () => ({ t: 'n', v: 1.5e21 }),
  () => ({ t: 'n', v: 123456789012345680 }),
  () => ({ t: 'n', v: 0.1 + 0.2 }),
  () => ({ t: 'n', v: -3.14159265358979 }),
  () => ({ t: 'n', v: 1.5e-7 }),
  () => ({ t: 'n', v: 0.000123456789 }),
  () => ({ t: 'n', v: 12345678901.5 }),
  () => ({ t: 'n', v: 2147483648 }),
  () => ({ t: 'n', v: -0.5 }),
  () => ({ t: 'n', v: 45000, z: 'yyyy-mm-dd' }),
  () => ({ t: 'n', v: 45000.75, z: 'm/d/yy h:mm' }),
  () => ({ t: 'n', v: 45000, z: XLSX.SSF.get_table()[14] as string }),
  () => ({ t: 'n', v: 0.256, z: '0.00%' }),
  () => ({ t: 'n', v: 1234567.891, z: '#,##0.00' }),
  () => ({ t: 'n', v: 138, z: '000000' }),
  () => ({ t: 'b', v: true }),
  () => ({ t: 'b', v: false }),
  () => ({ t: 'e', v: 0x07 }),
  () => ({ t: 'e', v: 0x2a }),
  () => ({ t: 's', v: '张三' }),
  () => ({ t: 's', v: '尊敬的客户，您好 😀' }),
  () => ({ t: 's', v: 'A & B <c> "d" \'e\'' }),
  () => ({ t: 's', v: '  spaced  ' }),
  () => ({ t: 's', v: 'line\r\nbreak' }),
  () => ({ t: 's', v: 'tab\there' }),
  () => ({ t: 's', v: 'bell\u0007char' }),
  () => ({ t: 's', v: '_x000D_ literal' }),
  () => ({ t: 's', v: '#comment' }),
  () => ({ t: 's', v: '' }),
  () => ({ t: 's', v: '=1+1' }),
  () => ({ t: 'n', v: 3, f: 'SUM(1,2)' }),
  () => ({ t: 's', v: 'text result', f: 'CONCAT("text"," result")' }),
  () => null,
  () => null,
];

/** A sheet of `rows` rows of random cells, with empty rows and gaps between cells. */
function randomSheet(seed: number, rows: number, width: number): XLSX.WorkSheet {
  const rand = prng(seed);
  const data: (XLSX.CellObject | undefined)[][] = [];
  for (let r = 0; r < rows; r += 1) {
    if (rand() < 0.1) {
      data.push([]);
      continue;
    }
    const row: (XLSX.CellObject | undefined)[] = [];
    for (let c = 0; c < width; c += 1) row.push(POOL[Math.floor(rand() * POOL.length)]() ?? undefined);
    data.push(row);
  }
  const sheet: XLSX.WorkSheet = { '!data': data } as unknown as XLSX.WorkSheet;
  sheet['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: rows - 1, c: width - 1 } });
  return sheet;
}

function writeBook(sheet: XLSX.WorkSheet, bookSST: boolean, extraSheet = false): Buffer {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, 'Recipients');
  if (extraSheet) XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['other sheet', 1]]), 'Notes');
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true, bookSST }) as Buffer;
}

describe('the sheet reader against SheetJS', () => {
  it.each(fs.readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.xlsx')))('reads the sample %s the same', (file) => {
    expectSame(fs.readFileSync(path.join(SAMPLES_DIR, file)));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('reads generated sheet #%i the same (shared strings and inline strings)', (seed) => {
    const sheet = randomSheet(seed, 60, 5);
    expectSame(writeBook(sheet, true, seed % 2 === 0));
    expectSame(writeBook(sheet, false));
  });

  it('reads recipient lists from the test builder the same, with and without a header', () => {
    expectSame(xlsxOf(recipientRows(300)));
    expectSame(xlsxOf(recipientRows(300).slice(1)));
  });

  it('stops where SheetJS does on a sheet over the limit, and says rows were left unread', () => {
    // No <dimension>: a sheet that declares its size is refused from it before being read (xlsx-guard.ts).
    const sheetData = recipientRows(40)
      .map((row, r) => `<row r="${r + 1}">${row.map((cell) => `<c t="inlineStr"><is><t>${cell}</t></is></c>`).join('')}</row>`)
      .join('');
    const buf = xlsxFromXml({ sheetData });
    const read = viaReader(buf, 10);
    expect(read.records).toEqual(viaSheetJs(buf, 10).records);
    expect(read.records).toHaveLength(22);
    // SheetJS knows a sheet was cut only from its <dimension>; the reader saw the row it did not read.
    expect(read.truncated).toBe(true);
  });

  it('reads hand-written XML the same: rich text, phonetic runs, escapes, gaps, no references, types', () => {
    const buf = xlsxFromXml({
      sharedItems: [
        '<si><t>plain</t></si>',
        '<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text 中文</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>',
        '<si><t xml:space="preserve">  keep spaces  </t></si>',
        '<si><t>a &amp; b &lt;c&gt; &#x4E2D;&#25991; _x000D_ end</t></si>',
        '<si><t/></si>',
        '<si><t>13800138000</t></si>',
      ],
      styles:
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="&quot;No. &quot;0"/></numFmts>' +
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="10"/></cellXfs>',
      sheetData:
        '<row r="1"><c r="A1" t="s"><v>5</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row>' +
        '<row r="3" spans="1:4"><c r="A3"><v>13800138000</v></c><c r="B3" s="1"><v>45000</v></c><c r="C3" s="2"><v>42</v></c><c r="D3" s="3"><v>0.5</v></c></row>' +
        '<row r="4"><c t="s"><v>0</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="str"><f>A1</f><v>x &amp;amp; y</v></c></row>' +
        '<row><c t="inlineStr"><is><t>inline</t></is></c><c t="inlineStr"><is><r><t>in</t></r><r><t>line rich</t></r></is></c><c t="s"><v>3</v></c><c t="s"><v>4</v></c></row>' +
        '<row r="7"/>' +
        '<row r="9"><c r="A9" s="0"/><c r="C9"><v></v></c><c r="D9"><f>1+1</f></c></row>' +
        '<row r="10"><c r="B10"><v>1.23456789012E+20</v></c><c r="C10"><v>-7</v></c><c r="AA10" t="b"><v>0</v></c></row>',
    });
    expectSame(buf);
    const records = viaReader(buf).records;
    expect(records[0]).toEqual(['add', ['13800138000', 'rich text 中文', '', '  keep spaces  ']]);
  });

  it('reads a sheet whose elements carry a namespace prefix, and 1904 dates, the same', () => {
    expectSame(
      xlsxFromXml({
        prefix: 'x:',
        workbookPr: '<workbookPr date1904="1"/>',
        styles: '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>',
        sheetData: '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>phone</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>13800138000</x:v></x:c><x:c r="B2" s="1"><x:v>1000</x:v></x:c></x:row>',
      }),
    );
  });

  it('leaves a sheet with ISO date cells to SheetJS', () => {
    const buf = xlsxFromXml({ sheetData: '<row r="1"><c r="A1" t="d"><v>2026-12-05T00:00:00Z</v></c></row>' });
    const entries = readZipDirectory(buf)!;
    const { parts } = guardXlsxParts(buf, entries, LIMITS);
    const recorder = new Recorder();
    expect(readXlsxSheet(parts!, 100, recorder)).toBeNull();
    expect(recorder.records).toEqual([]);
  });
});

describe('generalNumber (Excel\'s "General", as SheetJS shows it)', () => {
  it.each([0.1 + 0.2, 1 / 3, -2 / 3, 1.5e-7, 0.000123456789, 12345678901.5, 1.5e21, 123456789012345680, 1e10, 99999999999, -1e-10, 2147483648.5])(
    'formats %p as SheetJS does',
    (v) => {
      expect(generalNumber(v)).toBe(XLSX.SSF.format(0, v));
    },
  );
});

describe('what the check makes of the reader\'s cells', () => {
  it('still refuses a phone shown in scientific notation and gives a long number parameter its digits', () => {
    const buf = xlsxOf([
      ['手机号码', '{1}'],
      ['1.38E+10', 'a'],
      [13800138000, 1380013800138000],
    ]);
    const parsed = parseImportBuffer(buf, 'list.xlsx', LIMITS);
    if (!parsed.ok) throw new Error(parsed.error.code);
    const report = checkRecipients(parsed.rows, { signature: '测试', templateContent: '验证码{1}' });
    expect(report.invalid.map((r) => [r.rowNumber, r.problem])).toEqual([[2, { code: 'phone', reason: 'scientific' }]]);
    expect(report.valid.map((r) => [r.rowNumber, r.phone, r.params])).toEqual([[3, '13800138000', ['1380013800138000']]]);
  });
});
