import zlib from 'node:zlib';
import type { Writable } from 'node:stream';

/**
 * A one-sheet .xlsx written as a stream: rows go out (deflated) as they are added, so an export of 1,000,000
 * messages needs no more memory than one batch and its first bytes leave at once. SheetJS builds the whole
 * workbook in memory before writing a byte, which is why it is not used here.
 *
 * The package is the minimum Excel, LibreOffice, Numbers and SheetJS open: content types, relationships, a
 * workbook, a style sheet (bold header, date-time cells) and one worksheet with inline strings (no shared-string table, which
 * would have to be complete before the sheet). The zip is written with data descriptors (sizes and CRC after each
 * entry's data), as streaming zip writers do; without Zip64, so an entry or the file must stay under 4 GB, far
 * above the largest task (1,000,000 messages of at most 500 characters). A sheet holds at most 1,048,576 rows.
 */

/** `{ date }`: a date-time cell, its value a spreadsheet serial (src/time/zoned-time.ts spreadsheetSerial). */
export type XlsxCell = string | number | { date: number } | null;

/** zlib.crc32 arrived in Node 20.15; the table version keeps older Node 20 releases working. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function tableCrc32(data: Buffer, value = 0): number {
  let crc = ~value >>> 0;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
const crc32: (data: Buffer, value?: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : tableCrc32;
const MAX_32 = 0xffffffff;

/** Resolves when the output can take more, rejects when it went away (the client closed the download). */
export function drained(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new Error('export output closed'));
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('drain', onDrain).off('close', onClose).off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('export output closed'));
    const onError = (err: Error) => settle(err);
    out.on('drain', onDrain).on('close', onClose).on('error', onError);
  });
}

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

interface CentralEntry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Deflated entries, one after the other, then the central directory. */
class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private readonly stamp = dosDateTime(new Date());

  constructor(private readonly out: Writable) {}

  async write(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    if (this.offset > MAX_32) throw new RangeError('xlsx export larger than 4 GB');
    if (!this.out.write(buf)) await drained(this.out);
  }

  /** Starts an entry; feed it with `write` of the returned writer and `end` it before the next one. */
  async entry(name: string): Promise<{ write(text: string): Promise<void>; end(): Promise<void> }> {
    const nameBytes = Buffer.from(name, 'utf8');
    const entry: CentralEntry = { name: nameBytes, crc: 0, compressed: 0, size: 0, offset: this.offset };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    header.writeUInt16LE(nameBytes.length, 26);
    await this.write(Buffer.concat([header, nameBytes]));

    const deflate = zlib.createDeflateRaw();
    const produced: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => produced.push(chunk));
    const ended = new Promise<void>((resolve, reject) => deflate.once('end', resolve).once('error', reject));
    const pass = async () => {
      while (produced.length > 0) {
        const chunk = produced.shift()!;
        entry.compressed += chunk.length;
        await this.write(chunk);
      }
    };
    return {
      write: async (text: string) => {
        const data = Buffer.from(text, 'utf8');
        entry.crc = crc32(data, entry.crc);
        entry.size += data.length;
        if (entry.size > MAX_32) throw new RangeError('xlsx sheet larger than 4 GB');
        await new Promise<void>((resolve, reject) => deflate.write(data, (err) => (err ? reject(err) : resolve())));
        await pass();
      },
      end: async () => {
        deflate.end();
        await ended;
        await pass();
        const descriptor = Buffer.alloc(16);
        descriptor.writeUInt32LE(0x08074b50, 0);
        descriptor.writeUInt32LE(entry.crc >>> 0, 4);
        descriptor.writeUInt32LE(entry.compressed, 8);
        descriptor.writeUInt32LE(entry.size, 12);
        await this.write(descriptor);
        this.entries.push(entry);
      },
    };
  }

  async file(name: string, text: string): Promise<void> {
    const e = await this.entry(name);
    await e.write(text);
    await e.end();
  }

  async close(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(8, 10);
      h.writeUInt16LE(this.stamp.time, 12);
      h.writeUInt16LE(this.stamp.date, 14);
      h.writeUInt32LE(e.crc >>> 0, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE(e.offset, 42);
      await this.write(Buffer.concat([h, e.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
  }
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

const STATIC_PARTS: [string, string][] = [
  [
    '[Content_Types].xml',
    `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/></Types>`,
  ],
  ['_rels/.rels', `<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
  [
    'xl/_rels/workbook.xml.rels',
    `<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
  ],
  [
    'xl/styles.xml',
    `<styleSheet xmlns="${MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
  ],
];

/** The cellXfs index of the date-time style (numFmt 164, yyyy-mm-dd hh:mm:ss). */
const DATE_STYLE = 2;

/** Characters XML 1.0 cannot carry at all (controls other than tab and line breaks, lone surrogates) are dropped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlText(value: string): string {
  // A raw carriage return would be read back as a line feed (XML end-of-line handling); the reference keeps it.
  return value.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export interface XlsxSheetOptions {
  sheetName: string;
  header: string[];
  /** Column widths in characters, in header order. */
  widths?: number[];
}

/** Writes header, rows (in batches, as they come) and the closing parts of a one-sheet workbook to `out`. */
export class XlsxStreamWriter {
  private readonly zip: ZipWriter;
  private sheet: Awaited<ReturnType<ZipWriter['entry']>> | null = null;
  private rowNumber = 0;
  private readonly columns: string[];

  constructor(out: Writable, private readonly options: XlsxSheetOptions) {
    this.zip = new ZipWriter(out);
    this.columns = options.header.map((_, i) => columnName(i));
  }

  private rowXml(cells: readonly XlsxCell[], style = ''): string {
    this.rowNumber += 1;
    const r = this.rowNumber;
    let xml = `<row r="${r}">`;
    cells.forEach((cell, i) => {
      if (cell === null || cell === '') return;
      const ref = `${this.columns[i] ?? columnName(i)}${r}`;
      if (typeof cell === 'number') xml += `<c r="${ref}"${style}><v>${cell}</v></c>`;
      else if (typeof cell === 'object') xml += `<c r="${ref}" s="${DATE_STYLE}"><v>${cell.date}</v></c>`;
      // An inline string is text whatever it starts with (a formula would be an <f> element): no apostrophe needed.
      else xml += `<c r="${ref}" t="inlineStr"${style}><is><t xml:space="preserve">${xmlText(cell)}</t></is></c>`;
    });
    return xml + '</row>';
  }

  async begin(): Promise<void> {
    const { sheetName, header, widths } = this.options;
    for (const [name, xml] of STATIC_PARTS) await this.zip.file(name, XML_HEAD + xml);
    await this.zip.file(
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${xmlText(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    );
    this.sheet = await this.zip.entry('xl/worksheets/sheet1.xml');
    const cols = widths?.length ? `<cols>${widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>` : '';
    const frozenHeader = '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>';
    await this.sheet.write(`${XML_HEAD}<worksheet xmlns="${MAIN_NS}">${frozenHeader}${cols}<sheetData>${this.rowXml(header, ' s="1"')}`);
  }

  async addRows(rows: readonly (readonly XlsxCell[])[]): Promise<void> {
    if (!this.sheet) throw new Error('begin() first');
    let xml = '';
    for (const row of rows) xml += this.rowXml(row);
    await this.sheet.write(xml);
  }

  async end(): Promise<void> {
    if (!this.sheet) throw new Error('begin() first');
    await this.sheet.write('</sheetData></worksheet>');
    await this.sheet.end();
    await this.zip.close();
  }
}
