/**
 * Turns a file's records, in order, into numbered data rows: skips the header row if there is one, blank rows and
 * comment rows (`#…`), numbers each row as the spreadsheet does (its record in the file, the header counted, so an
 * invalid row's number is the one Excel shows), keeps the columns the header names (header-columns.ts), and stops
 * keeping rows (but not counting them) past the limit.
 */
import { normalizePhone } from '../sms/phone';
import type { InputRow } from '../sms/recipient-check';
import { importColumns, isCommentRow, isOwnExport, unguarded, variableNumber } from './header-columns';

const LETTER = /\p{L}/u;
/** Five digits in a row is part of a number (a mistyped one, maybe), never a column title. */
const DIGIT_RUN = /[0-9０-９]{5,}/;
/** The import template's own header names the variables: `{1}`, `{2}`, … */
const VARIABLE_TITLE = /^\s*[{｛]\s*[0-9０-９]+\s*[}｝]\s*$/;

function isBlankCell(cell: unknown): boolean {
  return cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '');
}

export function isBlankRow(cells: readonly unknown[]): boolean {
  for (const cell of cells) if (!isBlankCell(cell)) return false;
  return true;
}

/**
 * A header is a first row whose first cell is a title, not a number: it has letters (Latin or CJK, as in "phone",
 * "手机号码") and no long run of digits. A mistyped number such as "12800138000" is therefore a data row that
 * the check reports, never silently dropped as a header. A header with an empty first cell is recognised only by
 * the import template's `{1}`, `{2}` titles.
 */
export function isHeaderRow(cells: readonly unknown[]): boolean {
  const first = cells[0];
  if (isBlankCell(first)) return cells.slice(1).some((cell) => typeof cell === 'string' && (VARIABLE_TITLE.test(cell) || variableNumber(cell) !== null));
  if (typeof first !== 'string' || normalizePhone(first).ok) return false;
  return LETTER.test(first) && !DIGIT_RUN.test(first);
}

export class RowCollector {
  readonly rows: InputRow[] = [];
  headerSkipped = false;
  /** Non-blank data rows seen, including those past the limit that were not kept. */
  dataRows = 0;
  private position = 0;
  private seenContent = false;
  /** From the header: the columns to read, phone first; null keeps the row as it is. */
  private columns: number[] | null = null;
  /** The file is one of the console's own downloads: its formula guard is undone (header-columns.ts). */
  private ownExport = false;

  /** With `onRow`, rows are handed on as they are read (and checked at once, issue 15) instead of kept in `rows`. */
  constructor(
    private readonly maxRows: number,
    private readonly onRow?: (row: InputRow) => void,
  ) {}

  /** The next record of the file; blank ones too, so that row numbers match the file. */
  add(cells: unknown[]): void {
    this.position += 1;
    if (isBlankRow(cells) || isCommentRow(cells)) return;
    if (!this.seenContent) {
      this.seenContent = true;
      if (isHeaderRow(cells)) {
        this.headerSkipped = true;
        this.columns = importColumns(cells);
        this.ownExport = isOwnExport(cells);
        return;
      }
    }
    this.dataRows += 1;
    if (this.dataRows > this.maxRows) return;
    const columns = this.columns;
    const picked = columns ? columns.map((c) => cells[c] ?? '') : cells;
    const row = { rowNumber: this.position, cells: this.ownExport ? picked.map(unguarded) : picked };
    if (this.onRow) this.onRow(row);
    else this.rows.push(row);
  }

  /** Blank records known only by their count (gaps in a sheet). */
  skip(count: number): void {
    this.position += count;
  }

  get overLimit(): boolean {
    return this.dataRows > this.maxRows;
  }
}
