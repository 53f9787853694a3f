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

export async function review(
  db: Knex,
  table: CatalogueTable,
  id: number,
  action: ReviewAction,
  reviewer: User,
  reason: string | null,
): Promise<void> {
  const { from, to } = TRANSITIONS[action];
  const applied = await setReviewState(db, table, id, from, { status: to, reason: action === 'reject' ? reason : null, reviewerId: reviewer.id });
  if (!applied) throw new HttpError(409, 'review.errors.stale');
}

export function createItem(db: Knex, table: CatalogueTable, fields: Record<string, unknown>, author: User): Promise<number> {
  return insertCatalogueItem(db, table, fields, author.id);
}

/** Any edit, even of an approved item, sends it back to review. */
export async function editItem(db: Knex, table: CatalogueTable, item: ReviewFields, fields: Record<string, unknown>, editor: User): Promise<void> {
  if (!canEdit(editor, item)) throw new HttpError(403, 'errors.forbidden');
  await updateCatalogueItem(db, table, item.id, fields);
}
