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

export type ReviewAction = 'approve' | 'reject' | 'disable';

/** Which states each review action may start from: approving also re-enables a disabled item. */
const TRANSITIONS: Record<ReviewAction, { from: readonly ReviewStatus[]; to: ReviewStatus }> = {
  approve: { from: ['pending', 'disabled'], to: 'approved' },
  reject: { from: ['pending'], to: 'rejected' },
  disable: { from: ['pending', 'approved', 'rejected'], to: 'disabled' },
};

export function allowedActions(status: ReviewStatus): ReviewAction[] {
  return (Object.keys(TRANSITIONS) as ReviewAction[]).filter((a) => TRANSITIONS[a].from.includes(status));
}

/** The author and admins may edit; a disabled item is frozen until an admin approves it again. */
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
