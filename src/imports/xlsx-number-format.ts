/**
 * How a numeric cell of an .xlsx reads as text, as SheetJS shows it (issue 15): Excel's "General" format is ported
 * here (SheetJS 0.20's `SSF_general_num`, Apache-2.0), since it is what nearly every recipient file uses; any other
 * number format (dates, percentages, custom codes) is handed to SheetJS's own formatter, loaded only when a file
 * has such a cell. The cell styles (`xl/styles.xml`) say which format each style index uses.
 */
import { sheetjs } from './sheetjs';
import { unescapeXml } from './xlsx-text';

/** What Excel's "General" format shows for a long number; the digits are in the cell's value, not in this text. */
export const SCIENTIFIC = /^[+-]?\d+(?:\.\d*)?E[+-]?\d+$/i;

function stripDecimal(o: string): string {
  return o.indexOf('.') === -1 ? o : o.replace(/(?:\.0*|(\.\d*[1-9])0+)$/, '$1');
}

function normalizeExponent(o: string): string {
  if (o.indexOf('E') === -1) return o;
  return o.replace(/(?:\.0*|(\.\d*[1-9])0+)[Ee]/, '$1E').replace(/(E[+-])(\d)$/, '$10$2');
}

function smallExponent(v: number): string {
  const width = v < 0 ? 12 : 11;
  let o = stripDecimal(v.toFixed(12));
  if (o.length <= width) return o;
  o = v.toPrecision(10);
  if (o.length <= width) return o;
  return v.toExponential(5);
}

function largeExponent(v: number): string {
  const o = stripDecimal(v.toFixed(11));
  return o.length > (v < 0 ? 12 : 11) || o === '0' || o === '-0' ? v.toPrecision(6) : o;
}

/** Excel's "General" text of a number (at most 11 characters, scientific beyond). */
export function generalNumber(v: number): string {
  if ((v | 0) === v) return v.toString(10);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '#NUM!' : '#DIV/0!';
  const exponent = Math.floor(Math.log(Math.abs(v)) * Math.LOG10E);
  let o: string;
  if (exponent >= -4 && exponent <= -1) o = v.toPrecision(10 + exponent);
  else if (Math.abs(exponent) <= 9) o = smallExponent(v);
  else if (exponent === 10) o = v.toFixed(10).substring(0, 12);
  else o = largeExponent(v);
  return stripDecimal(normalizeExponent(o.toUpperCase()));
}

function wholeNumber(value: number): string {
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

/** The number as a parameter cell: its displayed text, except that scientific notation becomes the digits. */
export function numberCellText(value: number, shown: string | undefined): string {
  return shown !== undefined && !SCIENTIFIC.test(shown) ? shown : wholeNumber(value);
}

const NUM_FMT = /<(?:[\w.-]+:)?numFmt\b([^>]*)>/g;
const CELL_XFS = /<(?:[\w.-]+:)?cellXfs\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?cellXfs>/;
const XF = /<(?:[\w.-]+:)?xf\b([^>]*)>/g;
const DATE_1904 = /<(?:[\w.-]+:)?workbookPr\b[^>]*\bdate1904\s*=\s*["'](?:1|true)["']/;

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** The number formats of a workbook's cell styles: style index → format id, and the file's own format codes. */
export interface NumberFormats {
  /** By style index (a cell's `s`); 0 is "General". */
  formatOfStyle: number[];
  /** Format codes the file defines (`<numFmt numFmtId formatCode>`), by id. */
  codes: Map<number, string>;
  date1904: boolean;
}

export function readNumberFormats(stylesXml: string | null, workbookXml: string | null): NumberFormats {
  const codes = new Map<number, string>();
  const formatOfStyle: number[] = [];
  if (stylesXml) {
    for (const m of stylesXml.matchAll(NUM_FMT)) {
      const id = parseInt(attribute(m[1], 'numFmtId') ?? '', 10);
      const code = attribute(m[1], 'formatCode');
      if (Number.isInteger(id) && code !== undefined) codes.set(id, unescapeXml(code));
    }
    const xfs = CELL_XFS.exec(stylesXml)?.[1] ?? '';
    for (const m of xfs.matchAll(XF)) formatOfStyle.push(parseInt(attribute(m[1], 'numFmtId') ?? '0', 10) || 0);
  }
  return { formatOfStyle, codes, date1904: workbookXml !== null && DATE_1904.test(workbookXml) };
}

/** The text SheetJS gives a numeric cell of style `style` (read with `dateNF`, see sheet-read.ts); none if it fails. */
export function formattedNumber(value: number, style: number, formats: NumberFormats, dateNF: string): string | undefined {
  const id = style < 0 ? 0 : (formats.formatOfStyle[style] ?? 0);
  if (id === 0) return generalNumber(value);
  const code = formats.codes.get(id);
  try {
    return sheetjs().SSF.format(code ?? id, value, { date1904: formats.date1904, dateNF } as never);
  } catch {
    return undefined;
  }
}
