/**
 * The first sheet of an .xlsx read straight from its XML (issue 15), a window of rows at a time, each row handed on
 * as soon as it is read: no workbook object, no array of every cell. SheetJS took about 1.1 s for a 100,000-row
 * file; this reads the same cells in a small fraction of that (`npm run bench -- imports`).
 *
 * It gives each cell exactly what sheet-read.ts gives through SheetJS (the oracle of the differential test,
 * xlsx-sheet-reader.test.ts): text as text, the phone column's numbers as numbers, other numbers as Excel shows
 * them except scientific notation (which becomes the digits), booleans as TRUE / FALSE, errors as their text. A
 * sheet with ISO date cells (`t="d"`, which Excel itself never writes) is left to SheetJS: `readXlsxSheet` then
 * answers null before reading anything.
 */
import { fail } from './import-types';
import { formattedNumber, generalNumber, numberCellText, readNumberFormats, type NumberFormats } from './xlsx-number-format';
import { readSharedStrings, stringItemText, unescapeXml } from './xlsx-text';

/** Where the rows go (row-collector.ts): every record in order, gaps by their count. */
export interface RowSink {
  add(cells: unknown[]): void;
  skip(count: number): void;
}

/** The unpacked parts the first sheet needs (xlsx-guard.ts proves each within its claimed size). */
export interface XlsxParts {
  sheet: Buffer;
  sharedStrings: Buffer | null;
  styles: Buffer | null;
  workbook: Buffer | null;
}

/**
 * The XML is decoded this many bytes at a time (cut after a row's end), so a big sheet is never one huge string.
 * Small enough that a window's string is made in the young generation and dies there: 1 MB windows went straight
 * to the large-object space, and a million-row sheet left 130 MB of them waiting for a full collection (issue 15).
 */
const WINDOW_BYTES = 1 << 16;
/** Format 14 ("short date") shown as Excel on Chinese Windows does; the same option sheet-read.ts gives SheetJS. */
const DATE_NF = 'yyyy/m/d';

function isNameEnd(code: number): boolean {
  // space, tab, line feed, carriage return, '>' and '/'
  return code === 32 || code === 62 || code === 47 || code === 9 || code === 10 || code === 13;
}

class SheetXmlRows {
  private readonly rowOpen: string;
  private readonly rowClose: string;
  private readonly cellOpen: string;
  private readonly cellClose: string;
  private readonly valueOpen: string;
  private readonly valueClose: string;
  private readonly inlineOpen: string;
  private readonly inlineClose: string;
  /** The last row handed on (1-based), so gaps are counted. */
  private lastRow = 0;
  truncated = false;
  // The attributes of the tag just read (cellAttributes): where its `r` is, its `t`, its `s` (-1 when absent).
  private refStart: number | undefined;
  private refEnd: number | undefined;
  private type: string | undefined;
  private style = -1;

  constructor(
    prefix: string,
    private readonly strings: readonly string[],
    private readonly formats: NumberFormats,
    private readonly sheetRows: number,
    private readonly sink: RowSink,
  ) {
    this.rowOpen = `<${prefix}row`;
    this.rowClose = `</${prefix}row>`;
    this.cellOpen = `<${prefix}c`;
    this.cellClose = `</${prefix}c>`;
    this.valueOpen = `<${prefix}v`;
    this.valueClose = `</${prefix}v>`;
    this.inlineOpen = `<${prefix}is`;
    this.inlineClose = `</${prefix}is>`;
  }

  /**
   * Reads the `r`, `t` and `s` attributes between `from` and `to` (a tag's inside, after its name) by character
   * codes: a 100,000-row sheet has 300,000 cell tags, and slicing each attribute made most of the reader's garbage.
   */
  private cellAttributes(s: string, from: number, to: number): void {
    this.refStart = this.refEnd = this.type = undefined;
    this.style = -1;
    let i = from;
    while (i < to) {
      const eq = s.indexOf('=', i);
      if (eq < 0 || eq >= to) return;
      let nameEnd = eq;
      while (nameEnd > i && s.charCodeAt(nameEnd - 1) <= 32) nameEnd -= 1;
      let nameStart = i;
      while (nameStart < nameEnd && s.charCodeAt(nameStart) <= 32) nameStart += 1;
      let q = eq + 1;
      while (q < to && s.charCodeAt(q) !== 34 && s.charCodeAt(q) !== 39) q += 1;
      if (q >= to) return;
      const end = s.indexOf(s[q], q + 1);
      if (end < 0) return;
      if (nameEnd - nameStart === 1) {
        const name = s.charCodeAt(nameStart);
        if (name === 114 /* r */) {
          this.refStart = q + 1;
          this.refEnd = end;
        } else if (name === 116 /* t */) this.type = s.slice(q + 1, end);
        else if (name === 115 /* s */) this.style = parseInt(s.slice(q + 1, end), 10);
      }
      i = end + 1;
    }
  }

  /** Column index of the reference just read, such as "AB12" (SheetJS reads its upper-case letters only). */
  private refColumn(s: string): number {
    let index = 0;
    for (let i = this.refStart!; i < this.refEnd!; i += 1) {
      const c = s.charCodeAt(i) - 64;
      if (c < 1 || c > 26) break;
      index = 26 * index + c;
    }
    return index - 1;
  }

  /** The element `open`…`close` inside [from, to): its text, '' when empty or self-closed, undefined when absent. */
  private child(s: string, open: string, close: string, from: number, to: number): string | undefined {
    let at = from;
    for (;;) {
      const i = s.indexOf(open, at);
      if (i < 0 || i >= to) return undefined;
      if (isNameEnd(s.charCodeAt(i + open.length))) {
        const gt = s.indexOf('>', i);
        if (s.charCodeAt(gt - 1) === 47) return '';
        const end = s.indexOf(close, gt);
        return end < 0 || end > to ? undefined : s.slice(gt + 1, end);
      }
      at = i + 1;
    }
  }

  /** One cell as sheet-read.ts's cellValue makes it; undefined for a cell SheetJS would not store. */
  private cellValue(s: string, bodyStart: number, bodyEnd: number, column: number): unknown {
    const raw = this.child(s, this.valueOpen, this.valueClose, bodyStart, bodyEnd);
    const v = raw === undefined || raw === '' ? undefined : raw.indexOf('&') < 0 && raw.indexOf('_') < 0 && raw.indexOf('<') < 0 ? raw : unescapeXml(raw);
    const type = this.type;
    if (type === undefined || type === 'n') {
      if (v === undefined) return undefined;
      const value = parseFloat(v);
      if (column === 0) return value;
      const style = this.style;
      const shown = style < 0 || (this.formats.formatOfStyle[style] ?? 0) === 0 ? generalNumber(value) : formattedNumber(value, style, this.formats, DATE_NF);
      return numberCellText(value, shown);
    }
    switch (type) {
      case 's': {
        if (v === undefined) return undefined;
        const text = this.strings[parseInt(v, 10)];
        if (text === undefined) fail('corrupt', { reason: 'unreadable_workbook' });
        return text;
      }
      case 'str':
        return v === undefined ? '' : unescapeXml(v, true);
      case 'inlineStr': {
        const body = this.child(s, this.inlineOpen, this.inlineClose, bodyStart, bodyEnd);
        return body === undefined ? '' : stringItemText(body);
      }
      case 'b':
        return v === '1' || v === 'true' ? 'TRUE' : 'FALSE';
      case 'e':
        return v ?? '';
      default:
        return '';
    }
  }

  private readCells(s: string, from: number, to: number): unknown[] {
    const cells: unknown[] = [];
    let column = -1;
    let at = from;
    for (;;) {
      const i = s.indexOf(this.cellOpen, at);
      if (i < 0 || i >= to) break;
      if (!isNameEnd(s.charCodeAt(i + this.cellOpen.length))) {
        at = i + 1;
        continue;
      }
      const gt = s.indexOf('>', i);
      const selfClosed = s.charCodeAt(gt - 1) === 47;
      this.cellAttributes(s, i + this.cellOpen.length, selfClosed ? gt - 1 : gt);
      column = this.refStart === undefined ? column + 1 : this.refColumn(s);
      if (selfClosed) {
        at = gt + 1;
        continue;
      }
      const end = s.indexOf(this.cellClose, gt);
      const bodyEnd = end < 0 || end > to ? to : end;
      const value = this.cellValue(s, gt + 1, bodyEnd, column);
      if (value !== undefined && column >= 0) cells[column] = value;
      at = bodyEnd + this.cellClose.length;
    }
    for (let c = 0; c < cells.length; c += 1) if (cells[c] === undefined) cells[c] = '';
    return cells;
  }

  /** Reads the rows in one window of the sheet's XML; false once a row past `sheetRows` is met (reading stops). */
  read(s: string): boolean {
    let at = 0;
    for (;;) {
      const i = s.indexOf(this.rowOpen, at);
      if (i < 0) return true;
      if (!isNameEnd(s.charCodeAt(i + this.rowOpen.length))) {
        at = i + 1;
        continue;
      }
      const gt = s.indexOf('>', i);
      const selfClosed = s.charCodeAt(gt - 1) === 47;
      this.cellAttributes(s, i + this.rowOpen.length, selfClosed ? gt - 1 : gt);
      const number = this.refStart === undefined ? this.lastRow + 1 : parseInt(s.slice(this.refStart, this.refEnd), 10);
      if (number > this.sheetRows) {
        this.truncated = true;
        return false;
      }
      let cells: unknown[] = [];
      if (selfClosed) at = gt + 1;
      else {
        const end = s.indexOf(this.rowClose, gt);
        const rowEnd = end < 0 ? s.length : end;
        cells = this.readCells(s, gt + 1, rowEnd);
        at = rowEnd + this.rowClose.length;
      }
      if (number > this.lastRow + 1) this.sink.skip(number - this.lastRow - 1);
      if (cells.length === 0) this.sink.skip(1);
      else this.sink.add(cells);
      this.lastRow = Math.max(number, this.lastRow + 1);
    }
  }
}

const text = (buf: Buffer | null) => (buf ? buf.toString('utf8') : null);

/**
 * Feeds the first sheet's rows (at most `sheetRows`, as SheetJS's option of that name) to `sink`. Returns whether
 * rows were left unread, or null when the sheet holds what only SheetJS reads (nothing was handed on then). Once
 * it reads, `parts.sharedStrings` is cleared (decoded, its bytes are not needed again).
 */
export function readXlsxSheet(parts: XlsxParts, sheetRows: number, sink: RowSink, onReading?: () => void): { truncated: boolean } | null {
  const xml = parts.sheet;
  if (xml.indexOf('t="d"') >= 0 || xml.indexOf("t='d'") >= 0) return null;
  // From here on the sheet is read here, never by SheetJS: the caller may let go of the archive (import-parse.ts).
  onReading?.();
  const name = xml.indexOf('sheetData');
  if (name < 0) return { truncated: false };
  const lt = xml.lastIndexOf(0x3c, name);
  const prefix = lt < 0 ? '' : xml.toString('latin1', lt + 1, name).replace('/', '');
  const strings = readSharedStrings(text(parts.sharedStrings));
  // Issue 15: the table's bytes (34 MB at a million rows) are let go once decoded, not held while the sheet is read.
  parts.sharedStrings = null;
  const rows = new SheetXmlRows(prefix, strings, readNumberFormats(text(parts.styles), text(parts.workbook)), sheetRows, sink);
  const closeTag = Buffer.from(`</${prefix}row>`);
  const dataEnd = xml.indexOf(`</${prefix}sheetData>`, name);
  const end = dataEnd < 0 ? xml.length : dataEnd;
  let at = name;
  while (at < end) {
    let cut = Math.min(at + WINDOW_BYTES, end);
    if (cut < end) {
      // A window ends after a row's end tag, so no row (and no UTF-8 sequence) is cut in two.
      const last = xml.lastIndexOf(closeTag, cut - closeTag.length);
      if (last > at) cut = last + closeTag.length;
      else {
        const next = xml.indexOf(closeTag, cut);
        cut = next < 0 || next >= end ? end : next + closeTag.length;
      }
    }
    if (!rows.read(xml.toString('utf8', at, cut))) return { truncated: true };
    at = cut;
  }
  return { truncated: rows.truncated };
}
