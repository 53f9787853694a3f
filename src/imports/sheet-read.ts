/**
 * Workbooks through SheetJS: the first sheet only, each cell as the user sees it in Excel (issue 3: "numeric cells
 * read as whole numbers (no 1.38E+10), dates and formulas read as their displayed text"). Since issue 15 it reads
 * .xls files and the rare .xlsx the sheet reader leaves to it (xlsx-sheet-reader.ts), and it is that reader's
 * oracle in the differential test.
 */
import type * as XLSX from 'xlsx';
import { countingSlack, fail } from './import-types';
import { sheetjs } from './sheetjs';
import { numberCellText } from './xlsx-number-format';
import type { RowCollector } from './row-collector';


/**
 * Lean options: no formulas (their cached results are what the user sees), no styles or HTML; dates stay numbers
 * with their displayed text in `w`. `dateNF` shows format 14 (the "short date" Excel localises) the way Excel on
 * Chinese Windows does.
 */
export const READ_OPTIONS: XLSX.ParsingOptions = {
  type: 'buffer',
  dense: true,
  sheets: 0,
  cellFormula: false,
  cellHTML: false,
  cellStyles: false,
  cellNF: false,
  cellDates: false,
  sheetStubs: false,
  bookVBA: false,
  dateNF: 'yyyy/m/d',
};

/**
 * The phone column keeps numbers as numbers, so normalizePhone can read their exact digits. Other cells become
 * their displayed text, except a number Excel would show in scientific notation, which becomes its digits.
 */
function cellValue(cell: XLSX.CellObject | undefined, column: number): unknown {
  if (!cell) return '';
  switch (cell.t) {
    case 's':
      return typeof cell.v === 'string' ? cell.v : String(cell.v ?? '');
    case 'n': {
      const value = cell.v as number;
      if (column === 0) return value;
      return numberCellText(value, cell.w);
    }
    case 'b':
      return cell.w ?? (cell.v ? 'TRUE' : 'FALSE');
    case 'e':
    case 'd':
      return cell.w ?? '';
    default:
      return '';
  }
}

function readWorkbook(buf: Buffer, sheetRows: number): XLSX.WorkBook {
  try {
    return sheetjs().read(buf, { ...READ_OPTIONS, sheetRows });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // SheetJS's words for a protected .xls (FILEPASS record) or package.
    if (/password|encrypt/i.test(message)) fail('encrypted');
    fail('corrupt', { reason: 'unreadable_workbook' });
  }
}

/** The header, the limit and the counting slack: rows past this are not read. */
export function sheetRowsToRead(maxRows: number): number {
  return maxRows + 2 + countingSlack(maxRows);
}

/**
 * Feeds the first sheet's rows to the collector. Reads at most the counting slack past the limit (plus the header),
 * so an oversized sheet is not loaded whole; returns whether rows were left unread.
 */
export function readSheetRows(buf: Buffer, maxRows: number, collector: Pick<RowCollector, 'add' | 'skip'>): { truncated: boolean } {
  const workbook = readWorkbook(buf, sheetRowsToRead(maxRows));
  const name = workbook.SheetNames[0];
  const sheet = name === undefined ? undefined : workbook.Sheets[name];
  const data = (sheet?.['!data'] ?? []) as (XLSX.CellObject[] | undefined)[];
  for (let r = 0; r < data.length; r += 1) {
    const row = data[r];
    if (!row) {
      collector.skip(1);
      continue;
    }
    const cells = new Array<unknown>(row.length);
    for (let c = 0; c < row.length; c += 1) cells[c] = cellValue(row[c], c);
    collector.add(cells);
  }
  return { truncated: sheet?.['!fullref'] !== undefined };
}
