import { SMS_TYPES } from '../sms/template';
import { normalizePhone, parsePhoneSearch } from '../sms/phone';
import { parseLocalDateTime } from '../time/zoned-time';
import type { TaskListCursor, TaskListFilter } from '../queries/task-list.queries';

/** Drafts are never listed, so they are not a filter value either. */
export const LIST_STATUSES = ['scheduled', 'sending', 'completed', 'cancelled'] as const;
export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

/** The query-string names of the filters, in the order the form shows them. */
export const FILTER_FIELDS = ['q', 'status', 'smsType', 'signature', 'template', 'createdBy', 'from', 'to', 'mine', 'per'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number] | 'after' | 'before';

export const TASK_ID_PATTERN = /^T\d{1,19}$/;
const MAX_SEARCH_LENGTH = 64;
/** Fewer first digits would match nearly every task (every mobile starts with 1). */
export const PHONE_PREFIX_MIN = 3;
const MAX_SHOWN_VALUE = 40;

export interface TaskListQuery {
  filter: TaskListFilter;
  cursor: TaskListCursor;
  per: number;
  mine: boolean;
  /** The accepted filters as query-string values: what the form shows and what the pager's links carry. */
  params: Partial<Record<(typeof FILTER_FIELDS)[number], string>>;
  /** Values that were not understood and are ignored (the page says so), as given (shortened). */
  ignored: { field: FilterField; value: string }[];
}

export interface TaskListContext {
  timeZone: string;
  userId: number;
  /** The ids the signature / template / created-by filters may take (the options the form offers). */
  signatureIds: ReadonlySet<number>;
  templateIds: ReadonlySet<number>;
  userIds: ReadonlySet<number>;
}

/** The start of a calendar day (`2026-11-25`) in the zone, as ISO UTC; `dayOffset` 1 gives the next day's start. */
export function startOfLocalDay(date: string, timeZone: string, dayOffset = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  const target = new Date(Date.UTC(y, mo - 1, d + dayOffset)).toISOString().slice(0, 10);
  // Where a DST change skips midnight, the day starts at 01:00.
  const start = parseLocalDateTime(`${target} 00:00`, timeZone) ?? parseLocalDateTime(`${target} 01:00`, timeZone);
  return start ? start.toISOString() : null;
}

/**
 * Reads the task list's query string. Nothing here fails the request: a value that is not understood is left
 * out of the filter and reported in `ignored`, so a mistyped bookmark still shows a list, with a note.
 */
export function parseTaskListQuery(query: Record<string, unknown>, ctx: TaskListContext): TaskListQuery {
  const out: TaskListQuery = { filter: {}, cursor: {}, per: DEFAULT_PAGE_SIZE, mine: false, params: {}, ignored: [] };
  const ignore = (field: FilterField, raw: unknown) => {
    const text = Array.isArray(raw) ? raw.join(', ') : typeof raw === 'string' ? raw : '';
    out.ignored.push({ field, value: text.length > MAX_SHOWN_VALUE ? text.slice(0, MAX_SHOWN_VALUE) + '…' : text });
  };
  /** The trimmed value, '' when absent; undefined (and noted) when it is not one string (a repeated parameter). */
  const read = (field: FilterField): string | undefined => {
    const raw = query[field];
    if (raw === undefined || raw === '') return '';
    if (typeof raw !== 'string') {
      ignore(field, raw);
      return undefined;
    }
    return raw.trim();
  };
  const readId = (field: 'signature' | 'template' | 'createdBy', known: ReadonlySet<number>): number | undefined => {
    const raw = read(field);
    if (!raw) return undefined;
    const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
    if (!known.has(id)) {
      ignore(field, raw);
      return undefined;
    }
    out.params[field] = raw;
    return id;
  };

  const status = read('status');
  if (status) {
    if ((LIST_STATUSES as readonly string[]).includes(status)) {
      out.filter.status = status as TaskListFilter['status'];
      out.params.status = status;
    } else ignore('status', status);
  }

  const smsType = read('smsType');
  if (smsType) {
    if ((SMS_TYPES as readonly string[]).includes(smsType)) {
      out.filter.smsType = smsType;
      out.params.smsType = smsType;
    } else ignore('smsType', smsType);
  }

  out.filter.signatureId = readId('signature', ctx.signatureIds);
  out.filter.templateId = readId('template', ctx.templateIds);
  const createdBy = readId('createdBy', ctx.userIds);

  const mine = read('mine');
  if (mine) {
    if (['1', 'on', 'true'].includes(mine)) out.mine = true;
    else if (!['0', 'off', 'false'].includes(mine)) ignore('mine', mine);
  }
  if (out.mine) out.params.mine = '1';
  // "Mine only" wins over a created-by choice: it is the switch the user sees on.
  out.filter.createdBy = out.mine ? ctx.userId : createdBy;

  const from = read('from');
  const to = read('to');
  const sendFrom = from ? startOfLocalDay(from, ctx.timeZone) : null;
  const sendTo = to ? startOfLocalDay(to, ctx.timeZone, 1) : null;
  if (from && !sendFrom) ignore('from', from);
  if (to && !sendTo) ignore('to', to);
  if (sendFrom && sendTo && sendFrom >= sendTo) {
    // A range that ends before it starts: "to" is the likelier slip, and the "from" alone still narrows the list.
    ignore('to', to);
  } else if (sendTo) {
    out.filter.sendTo = sendTo;
    out.params.to = to;
  }
  if (sendFrom) {
    out.filter.sendFrom = sendFrom;
    out.params.from = from;
  }

  const q = read('q');
  if (q) {
    const asId = q.toUpperCase();
    const phone = q.length <= MAX_SEARCH_LENGTH ? normalizePhone(q) : null;
    const search = phone && !phone.ok ? parsePhoneSearch(q) : null;
    if (TASK_ID_PATTERN.test(asId)) out.filter.idPrefix = asId;
    else if (phone?.ok) out.filter.phone = phone.phone;
    else if (search?.kind === 'prefix' && search.digits.length >= PHONE_PREFIX_MIN) out.filter.phonePrefix = search.digits;
    if (out.filter.idPrefix || out.filter.phone || out.filter.phonePrefix) out.params.q = q;
    else ignore('q', q);
  }

  const per = read('per');
  if (per) {
    if ((PAGE_SIZES as readonly number[]).includes(Number(per)) && /^\d+$/.test(per)) {
      out.per = Number(per);
      if (out.per !== DEFAULT_PAGE_SIZE) out.params.per = per;
    } else ignore('per', per);
  }

  const after = read('after');
  const before = read('before');
  if (after) {
    if (TASK_ID_PATTERN.test(after)) out.cursor.after = after;
    else ignore('after', after);
  }
  if (before) {
    // Both directions at once cannot be honoured: the next-page position wins.
    if (TASK_ID_PATTERN.test(before) && !out.cursor.after) out.cursor.before = before;
    else ignore('before', before);
  }
  return out;
}
