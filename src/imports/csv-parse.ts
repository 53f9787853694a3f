/**
 * CSV as RFC 4180 describes it and as Excel writes it: fields separated by commas, records by CRLF (LF and lone CR
 * accepted too); a field in double quotes may hold the separator, line breaks and doubled quotes (`""`). A quote
 * inside an unquoted field is an ordinary character. Nothing is trimmed or converted: every field is the text
 * written, so leading zeros and a leading `=` survive.
 *
 * Written by hand rather than with SheetJS's CSV reader, which guesses types (`00123` would become 123, a long
 * number 1.38E+10) and is several times slower on 100,000 rows.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export type CsvResult = { ok: true; records: number } | { ok: false; reason: 'unterminated_quote'; record: number };

/**
 * Excel saves "CSV" with the list separator of the system's region: a comma in China and English-speaking regions,
 * a semicolon in much of Europe; its "Text (tab delimited)" uses tabs. The first line decides.
 */
export function sniffDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const firstLine = end === -1 ? text : text.slice(0, end);
  for (const candidate of [',', '\t', ';']) if (firstLine.includes(candidate)) return candidate;
  return ',';
}

function endOfUnquoted(text: string, from: number, delimiter: number): number {
  let at = from;
  const n = text.length;
  while (at < n) {
    const code = text.charCodeAt(at);
    if (code === delimiter || code === LF || code === CR) break;
    at += 1;
  }
  return at;
}

/** Calls `onRecord` with each record's fields, in order; stops at an opening quote that is never closed. */
export function parseCsv(text: string, onRecord: (fields: string[]) => void, delimiter = sniffDelimiter(text)): CsvResult {
  const separator = delimiter.charCodeAt(0);
  const n = text.length;
  let at = 0;
  let records = 0;
  while (at < n) {
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(at) === QUOTE) {
        value = '';
        let from = at + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) return { ok: false, reason: 'unterminated_quote', record: records + 1 };
          if (text.charCodeAt(quote + 1) === QUOTE) {
            value += text.slice(from, quote + 1);
            from = quote + 2;
            continue;
          }
          value += text.slice(from, quote);
          at = quote + 1;
          break;
        }
        // Excel keeps anything between the closing quote and the separator (`"a"b` reads as `ab`).
        const end = endOfUnquoted(text, at, separator);
        if (end > at) value += text.slice(at, end);
        at = end;
      } else {
        const end = endOfUnquoted(text, at, separator);
        value = text.slice(at, end);
        at = end;
      }
      fields.push(value);
      if (at < n && text.charCodeAt(at) === separator) {
        at += 1;
        continue;
      }
      break;
    }
    if (at < n && text.charCodeAt(at) === CR) at += 1;
    if (at < n && text.charCodeAt(at) === LF) at += 1;
    records += 1;
    onRecord(fields);
  }
  return { ok: true, records };
}
