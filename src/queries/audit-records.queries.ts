import type { Knex } from 'knex';

/**
 * The audit log's table. By design this module offers only three things: insert, list (filters and keyset pages,
 * newest first) and the retention delete. Nothing else in src/ names the table (test/repo/audit-append-only.test.ts
 * checks), and the database refuses any UPDATE and any DELETE outside the retention gate (migration 140).
 */

export interface AuditRecordInput {
  createdAt: string;
  actorUserId: number | null;
  actorApiKeyId: number | null;
  actorLabel: string;
  ip: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  summary: string | null;
}

export interface AuditRecord extends AuditRecordInput {
  id: number;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  /** ISO UTC bounds: from inclusive, to exclusive. */
  fromIso?: string;
  toIso?: string;
}

/** A keyset page: records older than `beforeId`, or (going back) newer than `afterId`. */
export interface AuditCursor {
  beforeId?: number;
  afterId?: number;
}

export interface AuditRow {
  id: number;
  created_at: string;
  actor_user_id: number | null;
  actor_api_key_id: number | null;
  actor_label: string;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  summary: string | null;
}

const toRecord = (r: AuditRow): AuditRecord => ({
  id: r.id,
  createdAt: r.created_at,
  actorUserId: r.actor_user_id,
  actorApiKeyId: r.actor_api_key_id,
  actorLabel: r.actor_label,
  ip: r.ip,
  action: r.action,
  objectType: r.object_type,
  objectId: r.object_id,
  summary: r.summary,
});

export async function insertAuditRecord(db: Knex, input: AuditRecordInput): Promise<void> {
  await db('audit_records').insert({
    created_at: input.createdAt,
    actor_user_id: input.actorUserId,
    actor_api_key_id: input.actorApiKeyId,
    actor_label: input.actorLabel,
    ip: input.ip,
    action: input.action,
    object_type: input.objectType,
    object_id: input.objectId,
    summary: input.summary,
  });
}

/**
 * One page of records, newest first. Ids grow with time (one write connection inserts them), so the keyset is the
 * id alone; each filter is an equality or a range with an index that ends in id.
 */
export async function listAuditRecords(db: Knex, filter: AuditFilter, cursor: AuditCursor, limit: number): Promise<AuditRecord[]> {
  const q = db<AuditRow>('audit_records');
  // Usernames are stored in lower case, key names as given: "Mia" finds mia, "CRM (qf_…)" finds that key.
  if (filter.actor) q.whereIn('actor_label', [...new Set([filter.actor, filter.actor.toLowerCase()])]);
  if (filter.action) q.where('action', filter.action);
  if (filter.objectType) q.where('object_type', filter.objectType);
  if (filter.objectId) q.where('object_id', filter.objectId);
  if (filter.fromIso) q.where('created_at', '>=', filter.fromIso);
  if (filter.toIso) q.where('created_at', '<', filter.toIso);
  if (cursor.afterId !== undefined) {
    const rows = await q.where('id', '>', cursor.afterId).orderBy('id', 'asc').limit(limit);
    return rows.reverse().map(toRecord);
  }
  if (cursor.beforeId !== undefined) q.where('id', '<', cursor.beforeId);
  return (await q.orderBy('id', 'desc').limit(limit)).map(toRecord);
}

/**
 * The retention delete, the one guarded path: in one transaction it opens the gate with the cutoff (the database
 * refuses a cutoff less than 30 days old), deletes up to `batch` records older than the cutoff, and closes the
 * gate again, so no other statement ever sees it open. Returns how many records went.
 */
export async function deleteAuditRecordsBefore(db: Knex, cutoffIso: string, batch: number): Promise<number> {
  return db.transaction(async (trx) => {
    const [gate] = await trx('audit_retention_gates').insert({ cutoff: cutoffIso }).returning('id');
    const ids = (await trx('audit_records').where('created_at', '<', cutoffIso).orderBy('id').limit(batch).pluck('id')) as number[];
    const removed = ids.length === 0 ? 0 : await trx('audit_records').whereIn('id', ids).delete();
    await trx('audit_retention_gates').where({ id: typeof gate === 'object' ? gate.id : gate }).delete();
    return removed;
  });
}
