/**
 * Text files (.csv, .txt) to a string: UTF-8 with or without a byte-order mark, as most tools write it; otherwise
 * GB18030 (a superset of GBK and GB2312), as Excel and Notepad on Chinese Windows write it. Excel's "Unicode text"
 * (UTF-16 with a byte-order mark) is accepted too, since the mark makes it unambiguous.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf8' | 'gb18030' | 'utf16le' | 'utf16be';

/** Characters a text file should not contain: C0 controls other than tab, new lines, form feed and escape. */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f\u007f]/g;

export function decodeText(buf: Buffer): { text: string; encoding: TextEncoding } {
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: iconv.decode(buf.subarray(2), 'utf16le'), encoding: 'utf16le' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: iconv.decode(buf.subarray(2), 'utf16be'), encoding: 'utf16be' };
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  if (isUtf8(buf)) return { text: buf.toString('utf8', bom ? 3 : 0), encoding: 'utf8' };
  // A UTF-8 file with a few damaged bytes is still UTF-8: read as GB18030, every row would turn into plausible
  // mojibake and be sent. Read as UTF-8, only the damaged rows hold U+FFFD, which the recipient check refuses.
  const asUtf8 = buf.toString('utf8', bom ? 3 : 0);
  if (bom || mostlyUtf8(asUtf8)) return { text: asUtf8, encoding: 'utf8' };
  return { text: iconv.decode(buf, 'gb18030'), encoding: 'gb18030' };
}

/**
 * Whether text decoded as UTF-8 has many more well-formed non-ASCII characters than U+FFFD. GBK's byte pairs seldom
 * happen to form valid UTF-8 sequences, so GBK text read as UTF-8 is mostly U+FFFD; UTF-8 text with a stray bad
 * byte is the other way round.
 */
function mostlyUtf8(text: string): boolean {
  let wellFormed = 0;
  let replaced = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0xfffd) replaced += 1;
    else if (code > 0x7f) wellFormed += 1;
  }
  // Measured on names and addresses in GBK: about one well-formed character for every four U+FFFD.
  return wellFormed >= 4 * replaced;
}

/**
 * Whether decoded text reads as text: bytes that are neither UTF-8 nor GB18030 decode to U+FFFD, and binary data
 * to control characters. A few of either are tolerated (a stray byte in a hand-edited file).
 */
export function isReadableText(text: string): boolean {
  const sample = text.length > 65536 ? text.slice(0, 65536) : text;
  let bad = 0;
  for (let i = sample.indexOf('\ufffd'); i !== -1; i = sample.indexOf('\ufffd', i + 1)) bad += 1;
  bad += (sample.match(CONTROL) ?? []).length;
  return bad <= Math.max(2, sample.length / 100);
}
