import { isAuditAction, isAuditObjectType } from '../audit/audit-actions';
import type { AuditCursor, AuditFilter } from '../queries/audit-records.queries';
import { startOfLocalDay } from './task-list.validators';
import { hasErrors, type FieldErrors } from './validation';

/** The /audit page's query-string names, in the order its form shows them. */
export const AUDIT_FILTER_FIELDS = ['actor', 'action', 'objectType', 'objectId', 'from', 'to'] as const;
export type AuditFilterValues = Record<(typeof AUDIT_FILTER_FIELDS)[number], string>;

const MAX_ACTOR = 128;
const MAX_OBJECT_ID = 64;
const SHOWN_MAX = 200;

export interface AuditQuery {
  filter: AuditFilter;
  cursor: AuditCursor;
  /** The filters as typed (trimmed): what the form shows again, and what the pager and export links carry. */
  values: AuditFilterValues;
  errors: FieldErrors;
}

/**
 * Reads the /audit query string. Unlike the task list, a filter that cannot be read is not quietly dropped: an
 * audit search that silently widened would show records the auditor did not ask for. Each bad value gets its
 * message beside its field and the page lists nothing (422), with everything typed kept.
 */
export function parseAuditQuery(query: Record<string, unknown>, timeZone: string): AuditQuery {
  const errors: FieldErrors = {};
  const read = (name: string): string => {
    const raw = query[name];
    if (raw === undefined) return '';
    if (typeof raw !== 'string') {
      errors[name] = { key: 'audit.errors.repeated' };
      return '';
    }
    return raw.trim().slice(0, SHOWN_MAX);
  };
  const values = Object.fromEntries(AUDIT_FILTER_FIELDS.map((f) => [f, read(f)])) as AuditFilterValues;
  const filter: AuditFilter = {};

  if (values.actor.length > MAX_ACTOR) errors.actor = { key: 'audit.errors.tooLong', params: { max: MAX_ACTOR } };
  else if (values.actor) filter.actor = values.actor;

  if (values.action && !isAuditAction(values.action)) errors.action = { key: 'audit.errors.action' };
  else if (values.action) filter.action = values.action;

  if (values.objectType && !isAuditObjectType(values.objectType)) errors.objectType = { key: 'audit.errors.objectType' };
  else if (values.objectType) filter.objectType = values.objectType;

  if (values.objectId.length > MAX_OBJECT_ID) errors.objectId = { key: 'audit.errors.tooLong', params: { max: MAX_OBJECT_ID } };
  else if (values.objectId && !values.objectType && !errors.objectType) errors.objectId = { key: 'audit.errors.objectIdNeedsType' };
  else if (values.objectId) filter.objectId = values.objectId;

  // Calendar days in the display zone: "to" includes its whole day.
  if (values.from) {
    const from = startOfLocalDay(values.from, timeZone);
    if (from === null) errors.from = { key: 'audit.errors.date' };
    else filter.fromIso = from;
  }
  if (values.to) {
    const to = startOfLocalDay(values.to, timeZone, 1);
    if (to === null) errors.to = { key: 'audit.errors.date' };
    else filter.toIso = to;
  }
  if (filter.fromIso && filter.toIso && filter.toIso <= filter.fromIso) errors.to = { key: 'audit.errors.range' };

  const cursor: AuditCursor = {};
  for (const [name, key] of [['before', 'beforeId'], ['after', 'afterId']] as const) {
    const raw = query[name];
    if (raw === undefined || raw === '') continue;
    if (typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw)) cursor[key] = Number(raw);
    else errors.form = { key: 'audit.errors.page' };
  }
  if (cursor.beforeId !== undefined && cursor.afterId !== undefined) errors.form = { key: 'audit.errors.page' };
  return { filter: hasErrors(errors) ? {} : filter, cursor, values, errors };
}

/** The filters as a query string (empty ones left out), with `extra` (a page cursor) appended. */
export function auditQueryString(values: AuditFilterValues, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  for (const f of AUDIT_FILTER_FIELDS) if (values[f]) params.set(f, values[f]);
  for (const [k, v] of Object.entries(extra)) params.set(k, String(v));
  return params.toString();
}
