import { MESSAGE_STATUSES } from '../queries/messages.queries';
import type { Cursor, MessageFilter } from '../queries/message-list.queries';
import { parsePhoneSearch } from '../sms/phone';
import { field, hasErrors, type FieldErrors } from './validation';
import { formatSmppCode, parseSmppCode } from '../carrier/smpp-errors';

/** The query-string names of the task details filters, in the order the form shows them. */
export const MESSAGE_FILTER_FIELDS = ['phone', 'status', 'code'] as const;
export type MessageFilterValues = Record<(typeof MESSAGE_FILTER_FIELDS)[number], string>;

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,31}(?::[A-Z0-9_]{1,16})?$/;
const MAX_PHONE_INPUT = 32;

export interface MessageQuery {
  filter: Omit<MessageFilter, 'taskId'>;
  cursor: Cursor;
  /** The filters as the form shows them and as links (pager, exports) carry them. */
  values: MessageFilterValues;
  errors: FieldErrors;
}

function cursorValue(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Receipt codes are stored upper-case (DELIVRD, MK:0001), except an SMPP status, stored as `SMPP:0x0000000B`: what
 * the person typed is written the stored way, so `smpp:0xb` finds it too.
 */
function receiptCodeOf(raw: string): string {
  const smppStatus = parseSmppCode(raw);
  return smppStatus === null ? raw.toUpperCase() : formatSmppCode(smppStatus);
}

/**
 * Reads the details page's (and the exports') query string. A value that cannot be a filter is reported on its
 * field, and the caller lists nothing rather than something the person did not ask for.
 */
export function parseMessageQuery(query: unknown): MessageQuery {
  const values: MessageFilterValues = {
    phone: field(query, 'phone').trim().slice(0, MAX_PHONE_INPUT),
    status: field(query, 'status').trim(),
    code: receiptCodeOf(field(query, 'code').trim()),
  };
  const errors: FieldErrors = {};
  const filter: MessageQuery['filter'] = {};
  if (values.phone !== '') {
    const search = parsePhoneSearch(values.phone);
    if (search.kind === 'exact') filter.phone = search.phone;
    else if (search.kind === 'prefix') filter.phonePrefix = search.digits;
    else if (search.kind === 'suffix') filter.phoneSuffix = search.digits;
    else errors.phone = { key: 'tasks.messages.errors.phone' };
  }
  if (values.status !== '') {
    if ((MESSAGE_STATUSES as readonly string[]).includes(values.status)) filter.status = values.status;
    else errors.status = { key: 'tasks.messages.errors.status' };
  }
  if (values.code !== '') {
    if (CODE_PATTERN.test(values.code) || parseSmppCode(values.code) !== null) filter.code = values.code;
    else errors.code = { key: 'tasks.messages.errors.code' };
  }
  const after = cursorValue(field(query, 'after'));
  const before = after === undefined ? cursorValue(field(query, 'before')) : undefined;
  return { filter, cursor: { after, before }, values, errors };
}

export function hasFilterErrors(q: MessageQuery): boolean {
  return hasErrors(q.errors);
}

/** `phone=138&status=failed` for the filters that are set (plus any extra pairs), for links. */
export function filterQueryString(values: MessageFilterValues, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  for (const name of MESSAGE_FILTER_FIELDS) if (values[name] !== '') params.set(name, values[name]);
  for (const [name, value] of Object.entries(extra)) params.set(name, String(value));
  return params.toString();
}
