import type { Knex } from 'knex';
import { HttpError } from '../http-error';
import type { User } from '../queries/users.queries';
import {
  insertCatalogueItem,
  setReviewState,
  updateCatalogueItem,
  type CatalogueTable,
  type ReviewFields,
  type ReviewStatus,
} from '../queries/catalogue.queries';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';
import type { AuditAction } from '../audit/audit-actions';
import { changedFields } from '../audit/audit-summary';

export type ReviewAction = 'approve' | 'reject' | 'disable' | 'enable';

/**
 * Which states each review action may start from. A disabled item comes back only by its own explicit "enable"
 * (an admin's decision, so it returns approved), never by "approve", which is the verdict on a pending item.
 */
const TRANSITIONS: Record<ReviewAction, { from: readonly ReviewStatus[]; to: ReviewStatus }> = {
  approve: { from: ['pending'], to: 'approved' },
  reject: { from: ['pending'], to: 'rejected' },
  disable: { from: ['pending', 'approved', 'rejected'], to: 'disabled' },
  enable: { from: ['disabled'], to: 'approved' },
};

export function allowedActions(status: ReviewStatus): ReviewAction[] {
  return (Object.keys(TRANSITIONS) as ReviewAction[]).filter((a) => TRANSITIONS[a].from.includes(status));
}

/** The author and admins may edit; a disabled item is frozen until an admin enables it again. */
export function canEdit(user: User, item: ReviewFields): boolean {
  return item.status !== 'disabled' && (user.role === 'admin' || user.id === item.createdBy);
}

/** The audit log's names for a catalogue table and what happens to its items. */
const OBJECT_TYPE = { signatures: 'signature', templates: 'template' } as const;
const auditAction = (table: CatalogueTable, done: 'created' | 'edited' | 'approved' | 'rejected' | 'disabled' | 'enabled') => `${OBJECT_TYPE[table]}.${done}` as AuditAction;
const DONE: Record<ReviewAction, 'approved' | 'rejected' | 'disabled' | 'enabled'> = { approve: 'approved', reject: 'rejected', disable: 'disabled', enable: 'enabled' };

export async function review(
  db: Knex,
  table: CatalogueTable,
  item: ReviewFields & { name: string },
  action: ReviewAction,
  reviewer: User,
  reason: string | null,
  by: AuditContext = SYSTEM_CONTEXT,
): Promise<void> {
  const { from, to } = TRANSITIONS[action];
  await db.transaction(async (trx) => {
    const applied = await setReviewState(trx, table, item.id, from, { status: to, reason: action === 'reject' ? reason : null, reviewerId: reviewer.id });
    if (!applied) throw new HttpError(409, 'review.errors.stale');
    const after: Record<string, unknown> = { status: to };
    if (action === 'reject') after.reason = reason;
    await recordAudit(trx, { ...by, action: auditAction(table, DONE[action]), object: { type: OBJECT_TYPE[table], id: item.id }, summary: { before: { name: item.name, status: item.status }, after } });
  });
}

export function createItem(db: Knex, table: CatalogueTable, fields: Record<string, unknown>, author: User, by: AuditContext = SYSTEM_CONTEXT): Promise<number> {
  return db.transaction(async (trx) => {
    const id = await insertCatalogueItem(trx, table, fields, author.id);
    await recordAudit(trx, { ...by, action: auditAction(table, 'created'), object: { type: OBJECT_TYPE[table], id }, summary: { after: fields } });
    return id;
  });
}

const camelCase = (column: string) => column.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** Any edit, even of an approved item, sends it back to review. */
export async function editItem(db: Knex, table: CatalogueTable, item: ReviewFields, fields: Record<string, unknown>, editor: User, by: AuditContext = SYSTEM_CONTEXT): Promise<void> {
  if (!canEdit(editor, item)) throw new HttpError(403, 'errors.forbidden');
  // The item's fields as they were, under the column names the edit uses (sms_type is smsType on the item).
  const before = Object.fromEntries(Object.keys(fields).map((column) => [column, (item as unknown as Record<string, unknown>)[camelCase(column)]]));
  await db.transaction(async (trx) => {
    await updateCatalogueItem(trx, table, item.id, fields);
    const changed = changedFields(before, fields);
    await recordAudit(trx, {
      ...by,
      action: auditAction(table, 'edited'),
      object: { type: OBJECT_TYPE[table], id: item.id },
      summary: { before: { ...changed.before, status: item.status }, after: { ...changed.after, status: 'pending' } },
    });
  });
}
