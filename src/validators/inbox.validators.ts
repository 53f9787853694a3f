import type { InboundFilter, InboxCursor } from '../queries/inbound-messages.queries';
import { startOfLocalDay } from './task-list.validators';
import { field, type FieldErrors } from './validation';

/** The query-string names of the /inbox filters, in the order the form shows them. */
export const INBOX_FILTER_FIELDS = ['number', 'account', 'text', 'from', 'to'] as const;
export type InboxFilterValues = Record<(typeof INBOX_FILTER_FIELDS)[number], string>;

export const INBOX_PAGE_SIZE = 50;
/** Longest number the carriers hand us (the column holds 32); a prefix longer than that can match nothing. */
const MAX_NUMBER_DIGITS = 32;
export const MAX_INBOX_TEXT = 100;
/** What is echoed back into a field: enough to see the mistake, not a page of pasted text. */
const MAX_ECHO = 200;

export interface InboxQuery {
  filter: InboundFilter;
  cursor: InboxCursor;
  /** The filters as the form shows them (what was typed, even when refused) and as the pager's links carry them. */
  values: InboxFilterValues;
  errors: FieldErrors;
}

export interface InboxQueryContext {
  timeZone: string;
  /** The accounts the account filter offers (deleted ones are gone from the choice). */
  accountIds: ReadonlySet<number>;
}

function cursorValue(raw: string): number | undefined {
  return /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Reads /inbox's query string. A value that cannot be a filter is reported on its field, and the caller lists
 * nothing rather than something the person did not ask for (as the task details' filters do).
 */
export function parseInboxQuery(query: unknown, ctx: InboxQueryContext): InboxQuery {
  const values: InboxFilterValues = {
    number: field(query, 'number').trim().slice(0, MAX_ECHO),
    account: field(query, 'account').trim().slice(0, MAX_ECHO),
    text: field(query, 'text').trim().slice(0, MAX_ECHO),
    from: field(query, 'from').trim().slice(0, MAX_ECHO),
    to: field(query, 'to').trim().slice(0, MAX_ECHO),
  };
  const errors: FieldErrors = {};
  const filter: InboundFilter = {};

  if (values.number !== '') {
    // Numbers are stored as digits; people paste them with a leading + and spaces or dashes between groups.
    const digits = values.number.replace(/^\+/, '').replace(/[\s-]/g, '');
    if (/^\d+$/.test(digits) && digits.length <= MAX_NUMBER_DIGITS) filter.phonePrefix = digits;
    else errors.number = { key: 'inbox.errors.number' };
  }
  if (values.account !== '') {
    const id = /^[1-9]\d{0,9}$/.test(values.account) ? Number(values.account) : NaN;
    if (ctx.accountIds.has(id)) filter.accountId = id;
    else errors.account = { key: 'inbox.errors.account' };
  }
  if (values.text !== '') {
    if (values.text.length <= MAX_INBOX_TEXT) filter.text = values.text;
    else errors.text = { key: 'inbox.errors.text', params: { max: MAX_INBOX_TEXT } };
  }
  const from = values.from === '' ? null : startOfLocalDay(values.from, ctx.timeZone);
  const to = values.to === '' ? null : startOfLocalDay(values.to, ctx.timeZone, 1);
  if (values.from !== '' && !from) errors.from = { key: 'inbox.errors.date' };
  if (values.to !== '' && !to) errors.to = { key: 'inbox.errors.date' };
  if (from && to && from >= to) errors.to = { key: 'inbox.errors.range' };
  if (from) filter.from = from;
  if (to) filter.to = to;

  const after = cursorValue(field(query, 'after'));
  const before = after === undefined ? cursorValue(field(query, 'before')) : undefined;
  return { filter, cursor: { after, before }, values, errors };
}

/** `number=138&text=T` for the filters that are set (plus a cursor), for the pager's links. */
export function inboxUrl(values: InboxFilterValues, cursor: InboxCursor = {}): string {
  const params = new URLSearchParams();
  for (const name of INBOX_FILTER_FIELDS) if (values[name] !== '') params.set(name, values[name]);
  if (cursor.after !== undefined) params.set('after', String(cursor.after));
  if (cursor.before !== undefined) params.set('before', String(cursor.before));
  const text = params.toString();
  return text ? `/inbox?${text}` : '/inbox';
}
