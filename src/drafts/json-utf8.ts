/**
 * JSON text written straight into UTF-8 bytes: the same bytes as `Buffer.from(JSON.stringify(value), 'utf8')` for
 * the values a packed recipient holds (strings, arrays of strings, whole numbers), without the JSON string in
 * between (issue 15). Stringifying each row and then encoding it was a third of a 100,000-row import's check: a
 * string of every row made only to be copied once more, and garbage for the collector.
 *
 * Strings are escaped as JSON.stringify escapes them (ES2019, "well-formed JSON.stringify"): `"` and `\` with a
 * backslash; \b \f \n \r \t by name; other C0 controls and lone surrogates as lower-case `\uXXXX`; everything else
 * as its UTF-8 bytes, a surrogate pair as one four-byte character. json-utf8.test.ts compares with JSON.stringify.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';
/** The short escapes JSON.stringify uses, by code unit; 0 where it writes `\u00XX`. */
const NAMED_ESCAPE = new Uint8Array(0x20);
NAMED_ESCAPE[0x08] = 0x62; // b
NAMED_ESCAPE[0x09] = 0x74; // t
NAMED_ESCAPE[0x0a] = 0x6e; // n
NAMED_ESCAPE[0x0c] = 0x66; // f
NAMED_ESCAPE[0x0d] = 0x72; // r

/** The most bytes `writeJsonString` can write for a string of `units` UTF-16 units (`\uXXXX` each, and quotes). */
export function jsonStringMaxBytes(units: number): number {
  return units * 6 + 2;
}

function writeUnicodeEscape(unit: number, into: Uint8Array, at: number): number {
  into[at] = BACKSLASH;
  into[at + 1] = 0x75; // u
  into[at + 2] = HEX.charCodeAt(unit >> 12);
  into[at + 3] = HEX.charCodeAt((unit >> 8) & 0xf);
  into[at + 4] = HEX.charCodeAt((unit >> 4) & 0xf);
  into[at + 5] = HEX.charCodeAt(unit & 0xf);
  return at + 6;
}

/** Writes `text` as a JSON string (quoted) from `at`; returns the end. `into` must have jsonStringMaxBytes room. */
export function writeJsonString(text: string, into: Uint8Array, at: number): number {
  let end = at;
  into[end] = QUOTE;
  end += 1;
  const n = text.length;
  for (let i = 0; i < n; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (unit >= 0x20 && unit !== QUOTE && unit !== BACKSLASH) {
        into[end] = unit;
        end += 1;
      } else if (unit >= 0x20) {
        into[end] = BACKSLASH;
        into[end + 1] = unit;
        end += 2;
      } else if (NAMED_ESCAPE[unit] !== 0) {
        into[end] = BACKSLASH;
        into[end + 1] = NAMED_ESCAPE[unit];
        end += 2;
      } else {
        end = writeUnicodeEscape(unit, into, end);
      }
    } else if (unit < 0x800) {
      into[end] = 0xc0 | (unit >> 6);
      into[end + 1] = 0x80 | (unit & 0x3f);
      end += 2;
    } else if (unit < 0xd800 || unit > 0xdfff) {
      into[end] = 0xe0 | (unit >> 12);
      into[end + 1] = 0x80 | ((unit >> 6) & 0x3f);
      into[end + 2] = 0x80 | (unit & 0x3f);
      end += 3;
    } else {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        into[end] = 0xf0 | (point >> 18);
        into[end + 1] = 0x80 | ((point >> 12) & 0x3f);
        into[end + 2] = 0x80 | ((point >> 6) & 0x3f);
        into[end + 3] = 0x80 | (point & 0x3f);
        end += 4;
        i += 1;
      } else {
        end = writeUnicodeEscape(unit, into, end);
      }
    }
  }
  into[end] = QUOTE;
  return end + 1;
}

/** The most bytes `writeJsonNumber` writes. */
export const JSON_NUMBER_MAX_BYTES = 24;

/** Writes a number as JSON.stringify does (its digits are ASCII); returns the end. */
export function writeJsonNumber(value: number, into: Uint8Array, at: number): number {
  if (Number.isSafeInteger(value) && value >= 0) {
    // The common case (row numbers, character and segment counts): digits, most significant first.
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    let rest = value;
    for (let i = digits - 1; i >= 0; i -= 1) {
      into[at + i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    return at + digits;
  }
  const text = JSON.stringify(value);
  for (let i = 0; i < text.length; i += 1) into[at + i] = text.charCodeAt(i);
  return at + text.length;
}
