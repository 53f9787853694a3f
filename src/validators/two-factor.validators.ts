import type { SecondFactor } from '../services/two-factor.service';
import { normaliseRecoveryCode } from '../two-factor/recovery-codes';
import { field, type FieldErrors, type Parsed } from './validation';

/** Far above a recovery code typed with spaces; anything longer is refused before it is looked at. */
const CODE_MAX = 64;
const SIX_DIGITS = /^\d{6}$/;

/** Apps show codes as `123 456`; people paste them with the space. NFKC: a Chinese IME may type full-width digits. */
const compact = (raw: string) => raw.normalize('NFKC').replace(/\s/g, '');

/** The sign-in code step: a 6-digit code from the app, or one of the recovery codes. */
export function parseSignInCode(body: unknown): Parsed<SecondFactor> {
  const raw = field(body, 'code').trim();
  const errors: FieldErrors = {};
  if (raw === '') errors.code = { key: 'validation.required' };
  else if (raw.length <= CODE_MAX) {
    if (SIX_DIGITS.test(compact(raw))) return { ok: true, value: { kind: 'totp', code: compact(raw) } };
    const recovery = normaliseRecoveryCode(raw.normalize('NFKC'));
    if (recovery) return { ok: true, value: { kind: 'recovery', code: recovery } };
  }
  errors.code ??= { key: 'twoFactor.errors.codeFormat' };
  return { ok: false, errors };
}

/** Enrolment is confirmed with the app's current code only (recovery codes do not exist yet). */
export function parseEnrolmentCode(body: unknown): Parsed<string> {
  const typed = field(body, 'code');
  const raw = typed.length > CODE_MAX ? typed : compact(typed);
  if (raw === '') return { ok: false, errors: { code: { key: 'validation.required' } } };
  if (!SIX_DIGITS.test(raw)) return { ok: false, errors: { code: { key: 'twoFactor.errors.sixDigits' } } };
  return { ok: true, value: raw };
}
