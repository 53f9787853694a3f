import type { Knex } from 'knex';
import type { AuditAction, AuditObjectType } from '../audit/audit-actions';
import { scrubSummary, type AuditSummary } from '../audit/audit-summary';
import { deleteAuditRecordsBefore, insertAuditRecord, listAuditRecords, type AuditCursor, type AuditFilter, type AuditRecord } from '../queries/audit-records.queries';

/**
 * The audit log's one entry point (issue 14). Call `recordAudit` with the transaction that makes the change, so
 * the record and the change are committed (or rolled back) together; outside a transaction (a sign-in, an export)
 * pass the db.
 *
 *   await recordAudit(trx, {
 *     ...by,                                   // AuditContext: { actor: { userId?, apiKeyId?, label }, ip }
 *     action: 'user.role_changed',             // one of AUDIT_ACTIONS (src/audit/audit-actions.ts)
 *     object: { type: 'user', id: user.id },   // what it is about (optional)
 *     summary: { before: { role: 'member' }, after: { role: 'admin' } },
 *   });
 *
 * The summary is scrubbed of secrets here as well (src/audit/audit-summary.ts), but callers leave them out: a
 * password change records `{ after: { password: 'changed' } }`-style facts, never the value.
 */

export interface AuditActor {
  userId?: number | null;
  apiKeyId?: number | null;
  /** The username or key name as it is now: the record keeps reading right after a rename. */
  label: string;
}

/** Who acts and from where; handlers build it from the request (src/handlers/audit-context.ts). */
export interface AuditContext {
  actor: AuditActor;
  ip: string | null;
}

/** Changes made by Qunfa itself or from the command line (the CARRIERS_FILE at start, a script), not by a request. */
export const SYSTEM_CONTEXT: AuditContext = Object.freeze({ actor: Object.freeze({ label: 'system' }), ip: null });

export interface AuditEntry extends AuditContext {
  action: AuditAction;
  object?: { type: AuditObjectType; id: string | number | null } | null;
  summary?: AuditSummary;
}

const MAX_LABEL = 128;

export async function recordAudit(db: Knex, entry: AuditEntry): Promise<void> {
  await insertAuditRecord(db, {
    createdAt: new Date().toISOString(),
    actorUserId: entry.actor.userId ?? null,
    actorApiKeyId: entry.actor.apiKeyId ?? null,
    actorLabel: entry.actor.label.slice(0, MAX_LABEL),
    ip: entry.ip ? entry.ip.slice(0, 64) : null,
    action: entry.action,
    objectType: entry.object?.type ?? null,
    objectId: entry.object?.id === null || entry.object?.id === undefined ? null : String(entry.object.id).slice(0, 64),
    summary: scrubSummary(entry.summary),
  });
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditPage {
  records: AuditRecord[];
  /** The cursor values for the older and newer pages, or null where there is none. */
  olderThan: number | null;
  newerThan: number | null;
}

/** One page of the filter, newest first, with the keys of its neighbours (one extra row tells if there is more). */
export async function auditPage(db: Knex, filter: AuditFilter, cursor: AuditCursor, size = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  const rows = await listAuditRecords(db, filter, cursor, size + 1);
  const more = rows.length > size;
  let records: AuditRecord[];
  if (cursor.afterId !== undefined) records = more ? rows.slice(1) : rows;
  else records = rows.slice(0, size);
  const first = records[0];
  const last = records[records.length - 1];
  const olderExists = cursor.afterId !== undefined ? records.length > 0 : more;
  const newerExists = cursor.afterId !== undefined ? more : cursor.beforeId !== undefined && records.length > 0;
  return {
    records,
    olderThan: olderExists && last ? last.id : null,
    newerThan: newerExists && first ? first.id : null,
  };
}

/** Every record of the filter, newest first, in keyset batches: an export never holds a long read. */
export async function* auditRecordsOf(db: Knex, filter: AuditFilter, batch = 1000): AsyncGenerator<AuditRecord[]> {
  let beforeId: number | undefined;
  for (;;) {
    const rows = await listAuditRecords(db, filter, beforeId === undefined ? {} : { beforeId }, batch);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batch) return;
    beforeId = rows[rows.length - 1].id;
  }
}

export const AUDIT_RETENTION_BATCH = 1000;
/** The database refuses a shorter retention (migration 140); the setting's range starts here too. */
export const AUDIT_RETENTION_MIN_DAYS = 30;

/** Removes records older than `retentionDays`, 1,000 to a short transaction; the retention job runs it daily. */
export async function runAuditRetention(db: Knex, retentionDays: number, now = new Date()): Promise<number> {
  const days = Math.max(AUDIT_RETENTION_MIN_DAYS, retentionDays);
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  let total = 0;
  for (;;) {
    const removed = await deleteAuditRecordsBefore(db, cutoff, AUDIT_RETENTION_BATCH);
    total += removed;
    if (removed < AUDIT_RETENTION_BATCH) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
