/**
 * What a file is, by its first bytes rather than by its name (issue 3, "the file type by its content").
 */
import path from 'node:path';
import { IMPORT_FORMATS, type DetectedContent, type ImportFormat } from './import-types';
import { sheetjs } from './sheetjs';
import { readZipDirectory, type ZipEntry } from './zip-directory';

export type Detection =
  | { kind: 'xlsx'; entries: ZipEntry[] }
  | { kind: Exclude<DetectedContent, 'xlsx'> };

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** ECMA-376 Part 2 (Office Open XML encryption): a protected .xlsx is an OLE2 file holding these two streams. */
const ENCRYPTION_STREAMS = ['EncryptedPackage', 'EncryptionInfo'];
/** BIFF8 (Excel 97-2003) keeps the workbook in "Workbook"; BIFF5 (Excel 5/95) in "Book". */
const WORKBOOK_STREAMS = ['Workbook', 'Book'];
const TEXT_SAMPLE = 8192;

/** The part of SheetJS's bundled CFB (OLE2 compound file) reader used here; its published type is `any`. */
interface OleReader {
  read(data: Buffer, options: { type: 'buffer' }): object;
  find(container: object, name: string): object | null;
}
function ole(): OleReader {
  return sheetjs().CFB as OleReader;
}

export function formatFromName(fileName: string): ImportFormat | null {
  const extension = path.extname(fileName).slice(1).toLowerCase();
  return (IMPORT_FORMATS as readonly string[]).includes(extension) ? (extension as ImportFormat) : null;
}

export function extensionOf(fileName: string): string {
  return path.extname(fileName).toLowerCase();
}

function startsWith(buf: Buffer, magic: Buffer): boolean {
  return buf.length >= magic.length && buf.subarray(0, magic.length).equals(magic);
}

function detectZip(buf: Buffer): Detection {
  const entries = readZipDirectory(buf);
  if (!entries) return { kind: 'binary' };
  // Bit 0 of the flags is ZIP's own (legacy) encryption; no reader here can open it.
  if (entries.some((entry) => (entry.flags & 0x1) !== 0)) return { kind: 'encrypted' };
  if (entries.some((entry) => entry.name === 'xl/workbook.xml')) return { kind: 'xlsx', entries };
  return { kind: 'zip' };
}

function hasStream(container: object, names: readonly string[]): boolean {
  return names.some((name) => ole().find(container, name) !== null);
}

function detectOle2(buf: Buffer): Detection {
  let container: object;
  try {
    container = ole().read(buf, { type: 'buffer' });
  } catch {
    // A damaged container may still spell out its stream names in the directory (UTF-16LE).
    const encrypted = ENCRYPTION_STREAMS.some((name) => buf.includes(Buffer.from(name, 'utf16le')));
    return { kind: encrypted ? 'encrypted' : 'binary' };
  }
  if (hasStream(container, ENCRYPTION_STREAMS)) return { kind: 'encrypted' };
  if (hasStream(container, WORKBOOK_STREAMS)) return { kind: 'xls' };
  return { kind: 'ole2' };
}

/**
 * Text if it starts with a byte-order mark, or if its first 8 KB hold no NUL and almost no other control bytes
 * (tab, line feed, carriage return, form feed and escape are normal in text files).
 */
export function looksLikeText(buf: Buffer): boolean {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return true;
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return true;
  const sample = Math.min(buf.length, TEXT_SAMPLE);
  let control = 0;
  for (let i = 0; i < sample; i += 1) {
    const byte = buf[i];
    if (byte === 0) return false;
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) || byte === 0x7f) {
      control += 1;
    }
  }
  return control <= sample / 100;
}

export function detectContent(buf: Buffer): Detection {
  if (startsWith(buf, ZIP_MAGIC) || startsWith(buf, EMPTY_ZIP_MAGIC)) return detectZip(buf);
  if (startsWith(buf, OLE2_MAGIC)) return detectOle2(buf);
  return { kind: looksLikeText(buf) ? 'text' : 'binary' };
}
