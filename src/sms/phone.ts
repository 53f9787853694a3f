/**
 * Mainland mobile numbers (product brief, "Recipients").
 *
 * Numbers arrive from hand-typed text, pasted lists and spreadsheet cells, so normalisation forgives the usual
 * formatting (spaces, dashes, dots, parentheses, full-width characters, the +86 country code) and the reasons tell
 * the user what to fix rather than just "invalid".
 */

export type PhoneReason = 'empty' | 'length' | 'not_mobile' | 'invalid_chars' | 'scientific' | 'not_integer';

export type PhoneResult = { ok: true; phone: string } | { ok: false; reason: PhoneReason; digits?: number };

export const MOBILE_PATTERN = /^1[3-9]\d{9}$/;
export const MOBILE_LENGTH = 11;

/**
 * Spaces of every kind (`\s` covers U+3000 and NBSP), the dashes people and word processors produce (ASCII,
 * full-width, hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar, minus), dots (ASCII and full-width)
 * and parentheses (ASCII and full-width).
 */
const SEPARATORS = /[\s\-－‐‑‒–—―−.．()（）]/g;

/**
 * What a spreadsheet shows for a long number in a numeric column, e.g. `1.38001380001E+10`. The digits are
 * already lost at that point, so the only useful advice is "format the column as text".
 */
const SCIENTIFIC = /^[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+$/;

const FULLWIDTH_DIGIT_OR_PLUS = /[０-９＋]/g;

/**
 * Separators for a typed or pasted list: line breaks, commas and semicolons, ASCII and full-width, and the
 * enumeration comma. Never spaces: people type "139 0013 9000" as one number, and a file accepts it as one.
 */
const LIST_SEPARATORS = /[\r\n\u2028\u2029,，;；、]/;

function fail(reason: PhoneReason, digits?: number): PhoneResult {
  return digits === undefined ? { ok: false, reason } : { ok: false, reason, digits };
}

function toHalfWidth(text: string): string {
  // Full-width ０-９ and ＋ sit exactly 0xFEE0 above their ASCII forms.
  return text.replace(FULLWIDTH_DIGIT_OR_PLUS, (char) => String.fromCharCode(char.charCodeAt(0) - 0xfee0));
}

function checkNational(digits: string): PhoneResult {
  if (/\D/.test(digits)) return fail('invalid_chars');
  if (digits.length !== MOBILE_LENGTH) return fail('length', digits.length);
  if (!MOBILE_PATTERN.test(digits)) return fail('not_mobile');
  return { ok: true, phone: digits };
}

function fromText(raw: string): PhoneResult {
  // Nearly every imported cell is already a plain 11-digit mobile, which none of the forgiveness below would change
  // (issue 15: every row of a 100,000-row import passes here).
  if (raw.length === MOBILE_LENGTH && MOBILE_PATTERN.test(raw)) return { ok: true, phone: raw };
  const text = toHalfWidth(raw).trim();
  if (text === '') return fail('empty');
  if (SCIENTIFIC.test(text.replace(/\s/g, ''))) return fail('scientific');

  const compact = text.replace(SEPARATORS, '');
  // A cell holding only separators ("-", "( )") is a placeholder for "no number", not a malformed number.
  if (compact === '') return fail('empty');

  if (compact.startsWith('+')) {
    const international = compact.slice(1);
    if (/\D/.test(international)) return fail('invalid_chars');
    // Any other country code is a well-formed number that simply is not a mainland mobile.
    if (!international.startsWith('86')) return fail('not_mobile');
    // +86 is unambiguous, so a wrong length is reported on the national part the user actually typed.
    return checkNational(international.slice(2));
  }
  // A bare 86 or 0086 is removed only when it leaves exactly 11 digits: otherwise the length reported is that of
  // everything typed, as no mainland mobile starts with 86 or 00 anyway.
  const withCountryCode = /^(?:0086|86)(\d{11})$/.exec(compact);
  return checkNational(withCountryCode ? withCountryCode[1] : compact);
}

function fromNumber(value: number): PhoneResult {
  // A spreadsheet numeric cell: read its exact whole-number digits. String(value) would turn large values into
  // exponent notation, and a fraction can only be a data-entry mistake.
  if (!Number.isInteger(value)) return fail('not_integer');
  // Below 2^53 String() spells the same digits as BigInt(), without making a BigInt.
  return fromText(Number.isSafeInteger(value) ? String(value) : BigInt(value).toString());
}

export function normalizePhone(input: unknown): PhoneResult {
  if (input === null || input === undefined) return fail('empty');
  if (typeof input === 'number') return fromNumber(input);
  if (typeof input === 'bigint') return fromText(input.toString());
  if (typeof input === 'string') return fromText(input);
  // Booleans, dates and other cell values cannot spell a phone number.
  return fail('invalid_chars');
}

/**
 * The entries of the manual box, each then read by normalizePhone exactly as an imported cell is. Pieces that are
 * only blanks (an empty line, ", ,") are not entries. public/js/task-form.js counts entries by the same rule.
 */
export function splitManualNumbers(text: string): string[] {
  const entries: string[] = [];
  for (const piece of text.split(LIST_SEPARATORS)) {
    const entry = piece.trim();
    if (entry !== '') entries.push(entry);
  }
  return entries;
}

export type PhoneSearch = { kind: 'exact'; phone: string } | { kind: 'prefix'; digits: string } | { kind: 'suffix'; digits: string } | { kind: 'invalid' };

/** The fewest last digits a search accepts: fewer would match a large share of any task. */
export const PHONE_SUFFIX_MIN = 4;

/**
 * What someone types to find numbers among a task's messages: a whole mobile number (matched exactly), its
 * first digits (a prefix, e.g. 138 or 1380013), or its last 4 to 10 digits (e.g. 8000, or *1234 when they start
 * with 1). It forgives what normalizePhone forgives: full-width digits, separators, a leading +86 / 0086 / 86.
 */
export function parsePhoneSearch(raw: string): PhoneSearch {
  const whole = normalizePhone(raw);
  if (whole.ok) return { kind: 'exact', phone: whole.phone };
  let digits = toHalfWidth(raw).trim().replace(SEPARATORS, '');
  // A leading * (or …) asks for the last digits explicitly: the only way to search last digits that start with 1.
  const ending = /^[*＊…]/.exec(digits);
  if (ending) digits = digits.slice(1);
  else {
    const country = /^(?:\+86|0086|86)(?=1)/.exec(digits);
    if (country) digits = digits.slice(country[0].length);
  }
  // No mainland mobile starts with anything but 1, so 4 or more digits that do not are the number's last digits.
  if (!ending && /^1\d{0,9}$/.test(digits)) return { kind: 'prefix', digits };
  if (digits.length >= PHONE_SUFFIX_MIN && /^\d{1,10}$/.test(digits)) return { kind: 'suffix', digits };
  return { kind: 'invalid' };
}
