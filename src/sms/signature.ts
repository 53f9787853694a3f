import { countChars } from './segments';

export const SIGNATURE_MIN = 2;
export const SIGNATURE_MAX = 12;

export type SignatureErrorCode = 'required' | 'brackets' | 'chars' | 'too_short' | 'too_long';

const BRACKETS = /[【】\[\]〖〗［］]/;
// Han characters, letters and digits (ASCII and full-width) are what carriers accept in a sender name.
const ALLOWED = /^[\p{Script=Han}A-Za-z0-9Ａ-Ｚａ-ｚ０-９]+$/u;

/** The sender name shown as 【Name】; the brackets are added by the system, never typed. */
export function validateSignature(raw: string): SignatureErrorCode | null {
  const name = raw.trim();
  if (name === '') return 'required';
  if (BRACKETS.test(name)) return 'brackets';
  if (!ALLOWED.test(name)) return 'chars';
  const n = countChars(name);
  if (n < SIGNATURE_MIN) return 'too_short';
  if (n > SIGNATURE_MAX) return 'too_long';
  return null;
}
