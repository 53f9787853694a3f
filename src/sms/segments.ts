/**
 * The length and billing rule (product brief, "Length and billing rule").
 *
 * This is the only implementation of the rule: the preview, the import check, the task details and the billing
 * estimate all call it, so they can never disagree about what a message costs.
 */

/** Up to this many characters the carrier bills one message. */
export const SINGLE_MESSAGE_LIMIT = 70;
/** Above the single limit each part carries a concatenation header, leaving 67 billable characters per segment. */
export const MULTIPART_SEGMENT_SIZE = 67;
/** Carriers refuse anything longer, so it cannot be sent at all. */
export const MAX_MESSAGE_LENGTH = 500;

/**
 * Carriers bill UTF-16 code units, which is exactly what a JavaScript string's `length` counts: one for every BMP
 * character (letters, digits, CJK, punctuation, spaces), two for anything outside it (emoji). Counting code points
 * here would under-bill emoji.
 */
export function countChars(text: string): number {
  return text.length;
}

export function segmentsFor(chars: number): number {
  // A fractional or negative count can only come from a caller's bug; billing it silently would hide that bug.
  if (!Number.isInteger(chars) || chars < 0) {
    throw new RangeError(`segmentsFor expects a non-negative integer, got ${chars}`);
  }
  if (chars === 0) return 0;
  if (chars <= SINGLE_MESSAGE_LIMIT) return 1;
  return Math.ceil(chars / MULTIPART_SEGMENT_SIZE);
}

/** The brackets are added by the system, never typed, and they count toward the length like any character. */
export function composeMessage(signature: string, body: string): string {
  return `【${signature}】${body}`;
}

export interface Measure {
  chars: number;
  segments: number;
  tooLong: boolean;
}

export function measure(text: string): Measure {
  const chars = countChars(text);
  return { chars, segments: segmentsFor(chars), tooLong: chars > MAX_MESSAGE_LENGTH };
}

/** What is billed is the signed message, never the bare template, so this is the measure callers usually want. */
export function measureMessage(signature: string, body: string): Measure {
  return measure(composeMessage(signature, body));
}
