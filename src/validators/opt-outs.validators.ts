import { normalizePhone } from '../sms/phone';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

export const OPT_OUT_REASON_MAX = 200;

export interface OptOutForm {
  phone: string;
  reason: string;
}

/** Reads a number and a reason: the number as the recipient check reads it, the reason required (it is the record). */
export function parseOptOutFields(input: { phone: unknown; reason: unknown }, opts: { reasonRequired: boolean }): Parsed<OptOutForm> {
  const errors: FieldErrors = {};
  const phone = normalizePhone(typeof input.phone === 'string' ? input.phone.trim() : input.phone);
  if (!phone.ok) errors.phone = phone.reason === 'empty' ? { key: 'validation.required' } : { key: 'optOuts.errors.phone', params: { reason: phone.reason } };
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (input.reason !== undefined && input.reason !== null && typeof input.reason !== 'string') errors.reason = { key: 'optOuts.errors.reasonText' };
  else if (reason === '' && opts.reasonRequired) errors.reason = { key: 'validation.required' };
  else if (reason.length > OPT_OUT_REASON_MAX) errors.reason = { key: 'optOuts.errors.reasonLong', params: { max: OPT_OUT_REASON_MAX } };
  if (hasErrors(errors)) return { ok: false, errors };
  return { ok: true, value: { phone: (phone as { phone: string }).phone, reason } };
}

export function parseOptOutForm(body: unknown): Parsed<OptOutForm> {
  return parseOptOutFields({ phone: field(body, 'phone'), reason: field(body, 'reason') }, { reasonRequired: true });
}

/** The search box: digits only (a whole number or its first digits); anything else searches nothing. */
export function parseOptOutSearch(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  return /^\d{1,11}$/.test(text) ? text : '';
}
