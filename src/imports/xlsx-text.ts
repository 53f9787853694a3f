/**
 * Text in an .xlsx's XML as SheetJS reads it (issue 15): entity and `_xHHHH_` unescaping, and the shared string
 * table. Written to match SheetJS 0.20 (`unescapexml`, `parse_si`, `parse_sst_xml`) cell for cell, because SheetJS
 * stays the oracle: the differential test (xlsx-sheet-reader.test.ts) reads every file through both.
 */

const ENTITY = /&(?:quot|apos|gt|lt|amp|#x?([\da-fA-F]+));/gi;
/** ECMA-376 22.4.2.4 (ST_Xstring): a character XML cannot hold, written as `_x000D_`. */
const ESCAPED_CHAR = /_x([\da-fA-F]{4})_/gi;
const NAMED: Record<string, string> = { '&quot;': '"', '&apos;': "'", '&gt;': '>', '&lt;': '<', '&amp;': '&' };

function unescapeRaw(text: string): string {
  const cdata = text.indexOf('<![CDATA[');
  if (cdata === -1) {
    let out = text;
    if (out.indexOf('&') !== -1) {
      out = out.replace(ENTITY, (whole, code: string | undefined) => NAMED[whole] ?? (String.fromCharCode(parseInt(code ?? '', whole.indexOf('x') > -1 ? 16 : 10)) || whole));
    }
    if (out.indexOf('_x') !== -1 || out.indexOf('_X') !== -1) out = out.replace(ESCAPED_CHAR, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return out;
  }
  const end = text.indexOf(']]>');
  return unescapeRaw(text.slice(0, cdata)) + text.slice(cdata + 9, end) + unescapeRaw(text.slice(end + 3));
}

/** `unescapexml(text)`; with `cellText`, line ends are also made `\n` as SheetJS does for cell text. */
export function unescapeXml(text: string, cellText = false): string {
  const out = unescapeRaw(text);
  return cellText && out.indexOf('\r\n') !== -1 ? out.replace(/\r\n/g, '\n') : out;
}

const PLAIN_TEXT = /^\s*<(?:\w+:)?t[^>]*>/;
const TEXT_END = /<\/(?:\w+:)?t>/;
const RICH_RUN = /<(?:\w+:)?r\b[^<>]*>/;
const RUN_TEXT = /<(?:\w+:)?t\b[^<>]*>([^<]*)<\/(?:\w+:)?t>/g;
const ANY_TAG = /<[/?]?[\w:-]+(?:\s[^>]*)?\/?>/g;
/** Phonetic runs (furigana and the like) are not part of the text. */
const PHONETIC = /<(?:\w+:)?rPh\b[^<>]*>[\s\S]*?<\/(?:\w+:)?rPh>/g;

/** The text of one `<si>` (or an inline string's `<is>`) body: plain `<t>`, or rich-text runs joined. */
export function stringItemText(body: string): string {
  const x = body.trim();
  if (x === '') return '';
  if (PLAIN_TEXT.test(x)) return unescapeXml(x.slice(x.indexOf('>') + 1).split(TEXT_END)[0] ?? '', true);
  if (RICH_RUN.test(x)) {
    const runs = x.replace(PHONETIC, '').match(RUN_TEXT) ?? [];
    return unescapeXml(runs.join('').replace(ANY_TAG, ''), true);
  }
  return '';
}

const SST_OPEN = /<(?:\w+:)?sst\b[^>]*>/;
const ITEM_START = /<(?:\w+:)?(?:si|sstItem)>/g;
const ITEM_END = /<\/(?:\w+:)?(?:si|sstItem)>/;

/** `<si><t>text</t></si>` with nothing else, as Excel and SheetJS write nearly every item: read without a regex. */
function plainItems(body: string): string[] | null {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const open = body.indexOf('<si>', at);
    if (open < 0) break;
    const close = body.indexOf('</si>', open);
    if (close < 0) return null;
    const textOpen = body.indexOf('>', open + 4);
    if (!body.startsWith('<t', open + 4) || (body.charCodeAt(open + 6) !== 62 && body.charCodeAt(open + 6) !== 32)) return null;
    if (!body.startsWith('</t>', close - 4) || body.lastIndexOf('<', close - 5) !== open + 4) return null;
    const text = body.slice(textOpen + 1, close - 4);
    out.push(text.indexOf('&') < 0 && text.indexOf('_x') < 0 && text.indexOf('_X') < 0 && text.indexOf('\r') < 0 && text.indexOf('<') < 0 ? text : unescapeXml(text, true));
    at = close + 5;
  }
  if (body.slice(at).trim() !== '') return null;
  // As in SheetJS, the piece after the last item counts as one more (empty) string.
  out.push('');
  return out;
}

/** The shared string table (`xl/sharedStrings.xml`), in order. */
export function readSharedStrings(xml: string | null): string[] {
  if (!xml) return [];
  const open = SST_OPEN.exec(xml);
  if (!open) return [];
  const start = open.index + open[0].length;
  const end = xml.lastIndexOf('</', xml.lastIndexOf('sst>'));
  if (end < start) return [];
  const body = xml.slice(start, end);
  const plain = plainItems(body);
  if (plain) return plain;
  const items = body.replace(ITEM_START, '').split(ITEM_END);
  const out = new Array<string>(items.length);
  // As in SheetJS, the piece after the last item counts as one more (empty) string.
  for (let i = 0; i < items.length; i += 1) out[i] = stringItemText(items[i]);
  return out;
}
