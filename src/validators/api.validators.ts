/**
 * Parsing of the JSON API's inputs (query strings, headers, bodies). Field names in errors are the API's own
 * (`send_at`, `recipients[3].params`), since that is what the client sent.
 */
import { SMS_TYPES, type SmsType } from '../sms/template';
import type { InputRow } from '../sms/recipient-check';
import { parseIsoInstant } from '../time/zoned-time';
import { checkSendAt } from './tasks.validators';
import { hasErrors, type FieldError, type FieldErrors, type Parsed } from './validation';

export const RECEIPTS_LIMIT_DEFAULT = 100;
export const RECEIPTS_LIMIT_MAX = 1000;
export const IDEMPOTENCY_KEY_MAX = 128;
/** At most this many malformed recipients are named in a 422: enough to fix a client, never a flood. */
const SHAPE_ERRORS_SHOWN = 10;

export interface ReceiptsQuery {
  since: string | null;
  taskId: string | null;
  limit: number;
}

/** Which parameter is wrong, for the 400 answer; the cursor itself is checked by the receipts feed service. */
export type ReceiptsQueryError = { param: 'since' | 'task_id' | 'limit' };

export function parseReceiptsQuery(query: Record<string, unknown>): { ok: true; value: ReceiptsQuery } | { ok: false; error: ReceiptsQueryError } {
  const { since, task_id: taskId, limit } = query;
  // A repeated parameter arrives as an array: refused rather than guessing which one was meant.
  if (since !== undefined && (typeof since !== 'string' || since === '')) return { ok: false, error: { param: 'since' } };
  if (taskId !== undefined && (typeof taskId !== 'string' || taskId === '')) return { ok: false, error: { param: 'task_id' } };
  let n = RECEIPTS_LIMIT_DEFAULT;
  if (limit !== undefined) {
    if (typeof limit !== 'string' || !/^\d{1,7}$/.test(limit)) return { ok: false, error: { param: 'limit' } };
    n = Number(limit);
    if (n < 1 || n > RECEIPTS_LIMIT_MAX) return { ok: false, error: { param: 'limit' } };
  }
  return { ok: true, value: { since: (since as string | undefined) ?? null, taskId: (taskId as string | undefined) ?? null, limit: n } };
}

/** Absent → null; present → 1–128 visible ASCII characters, else an error. */
export function parseIdempotencyKey(header: string | undefined): { ok: true; value: string | null } | { ok: false } {
  if (header === undefined) return { ok: true, value: null };
  if (header.length < 1 || header.length > IDEMPOTENCY_KEY_MAX || !/^[\x21-\x7e]+$/.test(header)) return { ok: false };
  return { ok: true, value: header };
}

/** A catalogue item named by its id (a JSON number) or its name (a JSON string, even one made of digits). */
export type CatalogueRef = { id: number } | { name: string };

export interface ApiTaskInput {
  signature: CatalogueRef;
  template: CatalogueRef;
  smsType: SmsType | null;
  sendAt: Date | null;
  rows: InputRow[];
}

function catalogueRef(value: unknown): CatalogueRef | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return { id: value };
  if (typeof value === 'string' && value.trim() !== '' && value.length <= 200) return { name: value.trim() };
  return null;
}

/**
 * The shape of `POST /api/v1/tasks`. Only the shape is judged here; the recipients themselves go through the same
 * check as the send form (`checkRecipients`), so a bad phone number is a row of the report, not a shape error.
 * Runs in the import worker for a real request (src/imports/import.worker.ts), with the check.
 */
export function parseApiTaskBody(body: unknown, ctx: { now: Date; horizonDays: number; maxRows: number }): Parsed<ApiTaskInput> {
  const errors: FieldErrors = {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: { body: { key: 'api.errors.bodyNotObject' } } };
  const b = body as Record<string, unknown>;

  const signature = catalogueRef(b.signature);
  if (!signature) errors.signature = { key: 'api.errors.catalogueRef' };
  const template = catalogueRef(b.template);
  if (!template) errors.template = { key: 'api.errors.catalogueRef' };

  let smsType: SmsType | null = null;
  if (b.sms_type !== undefined && b.sms_type !== null) {
    if (typeof b.sms_type === 'string' && (SMS_TYPES as readonly string[]).includes(b.sms_type)) smsType = b.sms_type as SmsType;
    else errors.sms_type = { key: 'api.errors.smsType', params: { types: SMS_TYPES.join(', ') } };
  }

  let sendAt: Date | null = null;
  if (b.send_at !== undefined && b.send_at !== null) {
    sendAt = typeof b.send_at === 'string' ? parseIsoInstant(b.send_at) : null;
    const error: FieldError | null = sendAt ? checkSendAt(sendAt, ctx) : { key: 'api.errors.sendAtFormat' };
    if (error) errors.send_at = error;
  }

  let rows: InputRow[] = [];
  if (!Array.isArray(b.recipients)) errors.recipients = { key: 'api.errors.recipientsArray' };
  else if (b.recipients.length === 0) errors.recipients = { key: 'api.errors.recipientsEmpty' };
  else if (b.recipients.length > ctx.maxRows) errors.recipients = { key: 'tasks.errors.tooManyNumbers', params: { found: b.recipients.length, max: ctx.maxRows } };
  else {
    const list = parseApiRecipients(b.recipients);
    rows = list.rows;
    Object.assign(errors, list.errors);
  }
  if (hasErrors(errors)) return { ok: false, errors };
  return { ok: true, value: { signature: signature!, template: template!, smsType, sendAt, rows } };
}

/** Each recipient's shape (`{ phone, params? }`), as rows for the check; the first few malformed ones named. */
function parseApiRecipients(recipients: readonly unknown[]): { rows: InputRow[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const rows: InputRow[] = [];
  let shown = 0;
  recipients.forEach((r: unknown, i: number) => {
    const problem = recipientShapeError(r);
    if (problem) {
      if (shown < SHAPE_ERRORS_SHOWN) errors[problem.field === null ? `recipients[${i}]` : `recipients[${i}].${problem.field}`] = problem.error;
      shown += 1;
      return;
    }
    const { phone, params } = r as { phone: string; params?: string[] };
    rows.push({ rowNumber: i + 1, cells: [phone, ...(params ?? [])] });
  });
  return { rows, errors };
}

function recipientShapeError(r: unknown): { field: 'phone' | 'params' | null; error: FieldError } | null {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return { field: null, error: { key: 'api.errors.recipientObject' } };
  const { phone, params } = r as Record<string, unknown>;
  if (typeof phone !== 'string') return { field: 'phone', error: { key: 'api.errors.phoneString' } };
  if (params !== undefined && params !== null && !(Array.isArray(params) && params.every((p) => typeof p === 'string'))) {
    return { field: 'params', error: { key: 'api.errors.paramsStrings' } };
  }
  return null;
}
