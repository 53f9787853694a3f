import { validateSignature } from '../sms/signature';
import { SIGNATURE_MAX, SIGNATURE_MIN } from '../sms/signature';
import { TEMPLATE_CONTENT_MAX, TEMPLATE_NAME_MAX, validateTemplate, type SmsType } from '../sms/template';
import { REVIEW_STATUSES, type ReviewStatus } from '../queries/catalogue.queries';
import { SMS_TYPES } from '../sms/template';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

export const REJECT_REASON_MAX = 200;

export function parseSignatureForm(body: unknown): Parsed<{ name: string }> {
  const name = field(body, 'name').trim();
  const code = validateSignature(name);
  if (code) return { ok: false, errors: { name: { key: `signatures.errors.${code}`, params: { min: SIGNATURE_MIN, max: SIGNATURE_MAX } } } };
  return { ok: true, value: { name } };
}

export function parseTemplateForm(
  body: unknown,
  unsubscribePhrases: readonly string[],
): Parsed<{ name: string; smsType: SmsType; content: string }> {
  const input = { name: field(body, 'name').trim(), smsType: field(body, 'smsType'), content: field(body, 'content').trim() };
  const result = validateTemplate(input, { unsubscribePhrases });
  const errors: FieldErrors = {};
  const params = {
    nameMax: TEMPLATE_NAME_MAX,
    contentMax: TEMPLATE_CONTENT_MAX,
    missing: (result.details?.missing ?? []).map((n) => `{${n}}`).join(', '),
    fragment: result.details?.fragment ?? '',
    phrases: unsubscribePhrases.join(' / '),
  };
  for (const f of ['name', 'smsType', 'content'] as const) {
    const code = result[f];
    if (code) errors[f] = { key: `templates.errors.${code}`, params };
  }
  if (hasErrors(errors)) return { ok: false, errors };
  return { ok: true, value: { ...input, smsType: input.smsType as SmsType } };
}

export function parseRejectForm(body: unknown): Parsed<{ reason: string }> {
  const reason = field(body, 'reason').trim();
  if (reason === '') return { ok: false, errors: { reason: { key: 'review.errors.reasonRequired' } } };
  if (reason.length > REJECT_REASON_MAX) return { ok: false, errors: { reason: { key: 'review.errors.reasonLong', params: { max: REJECT_REASON_MAX } } } };
  return { ok: true, value: { reason } };
}

/** List filters come from the query string; unknown values are ignored rather than refused. */
export function parseCatalogueFilter(query: Record<string, unknown>): { status?: ReviewStatus; smsType?: SmsType } {
  const status = typeof query.status === 'string' && (REVIEW_STATUSES as readonly string[]).includes(query.status) ? (query.status as ReviewStatus) : undefined;
  const smsType = typeof query.smsType === 'string' && (SMS_TYPES as readonly string[]).includes(query.smsType) ? (query.smsType as SmsType) : undefined;
  return { status, smsType };
}
