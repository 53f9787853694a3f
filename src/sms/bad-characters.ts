/**
 * Characters that must never reach a message (issue 9, "Bad bytes never reach an SMS").
 *
 * A NUL past the part of a file that was sniffed, a control byte pasted from another program, or U+FFFD left where
 * the decoder met bytes it could not read would all be sent as they are: carriers reject or mangle them, and a
 * U+FFFD means the recipient gets "�" instead of their name. The recipient check refuses such a row instead.
 *
 * Decision: in a parameter every C0 and C1 control is refused, tab and line breaks included. A line break inside a
 * spreadsheet cell (Alt+Enter) or a stray tab is nearly always an accident of copying, and the message would show it
 * as a hard break or a gap in the middle of a sentence; the template, not a parameter, decides the message's layout.
 * In the phone cell, whitespace (tab, line breaks) stays a separator as before, since it never reaches the message.
 */

/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, less the whitespace `\s` covers and phone normalisation already removes. */
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;
const REPLACEMENT = '\ufffd';

export type BadCharacters = 'undecodable' | 'control_chars';

/** Why the text cannot go into a message, or null when it can. Undecodable bytes win: the advice is more useful. */
export function badCharacters(text: string, { whitespaceAllowed }: { whitespaceAllowed: boolean }): BadCharacters | null {
  if (text.includes(REPLACEMENT)) return 'undecodable';
  if ((whitespaceAllowed ? CONTROL_BUT_WHITESPACE : CONTROL).test(text)) return 'control_chars';
  return null;
}

/**
 * The text with each control character shown as a visible symbol (U+2400…U+2421 for C0 and DEL, U+FFFD for C1),
 * so that a refused row's value shows where the bad byte is and no control byte reaches a page or a download.
 */
export function showControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : REPLACEMENT;
  });
}
