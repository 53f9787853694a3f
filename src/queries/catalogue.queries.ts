import type { Knex } from 'knex';
import { heldUntilCommit } from '../db/dialect';

/** Signatures and templates share the review workflow; these functions serve both tables. */
export type CatalogueTable = 'signatures' | 'templates';
export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'disabled';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['pending', 'approved', 'rejected', 'disabled'];

export interface ReviewFields {
  id: number;
  status: ReviewStatus;
  reviewReason: string | null;
  reviewedBy: number | null;
  reviewedByName: string | null;
  reviewedAt: string | null;
  createdBy: number;
  createdByName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Signature extends ReviewFields {
  name: string;
}

export interface Template extends ReviewFields {
  name: string;
  smsType: string;
  content: string;
}

type Row = Record<string, unknown>;

function reviewFields(r: Row): ReviewFields {
  return {
    id: r.id as number,
    status: r.status as ReviewStatus,
    reviewReason: (r.review_reason as string) ?? null,
    reviewedBy: (r.reviewed_by as number) ?? null,
    reviewedByName: (r.reviewer_name as string) ?? null,
    reviewedAt: (r.reviewed_at as string) ?? null,
    createdBy: r.created_by as number,
    createdByName: (r.creator_name as string) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

const toSignature = (r: Row): Signature => ({ ...reviewFields(r), name: r.name as string });
const toTemplate = (r: Row): Template => ({ ...reviewFields(r), name: r.name as string, smsType: r.sms_type as string, content: r.content as string });

function baseSelect(db: Knex, table: CatalogueTable) {
  return db(`${table} as c`)
    .leftJoin('users as creator', 'creator.id', 'c.created_by')
    .leftJoin('users as reviewer', 'reviewer.id', 'c.reviewed_by')
    .select('c.*', 'creator.username as creator_name', 'reviewer.username as reviewer_name');
}

export interface CatalogueFilter {
  status?: ReviewStatus;
  smsType?: string;
}

async function list(db: Knex, table: CatalogueTable, filter: CatalogueFilter): Promise<Row[]> {
  const q = baseSelect(db, table).orderBy('c.id', 'desc');
  if (filter.status) q.where('c.status', filter.status);
  if (filter.smsType) q.where('c.sms_type', filter.smsType);
  return q;
}

export async function listSignatures(db: Knex, filter: CatalogueFilter = {}): Promise<Signature[]> {
  return (await list(db, 'signatures', filter)).map(toSignature);
}

export async function listTemplates(db: Knex, filter: CatalogueFilter = {}): Promise<Template[]> {
  return (await list(db, 'templates', filter)).map(toTemplate);
}

/** Inside a transaction (a confirm), the row is held until it ends: an admin's change then waits for the confirm. */
export async function findSignature(db: Knex, id: number): Promise<Signature | undefined> {
  const row = await heldUntilCommit(db, baseSelect(db, 'signatures').where('c.id', id), 'c').first();
  return row ? toSignature(row) : undefined;
}

export async function findTemplate(db: Knex, id: number): Promise<Template | undefined> {
  const row = await heldUntilCommit(db, baseSelect(db, 'templates').where('c.id', id), 'c').first();
  return row ? toTemplate(row) : undefined;
}

/** Signature names are unique. */
export async function findSignatureByName(db: Knex, name: string): Promise<Signature | undefined> {
  const row = await baseSelect(db, 'signatures').where('c.name', name).first();
  return row ? toSignature(row) : undefined;
}

/** Template names are not unique: every template of that name, newest first. */
export async function findTemplatesByName(db: Knex, name: string): Promise<Template[]> {
  return (await baseSelect(db, 'templates').where('c.name', name).orderBy('c.id', 'desc')).map(toTemplate);
}

export async function signatureNameExists(db: Knex, name: string, exceptId?: number): Promise<boolean> {
  const q = db('signatures').where({ name }).first('id');
  if (exceptId !== undefined) q.whereNot('id', exceptId);
  return Boolean(await q);
}

/** Raised when a unique name is taken by a concurrent request between the check and the write. */
export class DuplicateNameError extends Error {}

export function duplicateOrRethrow(err: unknown): never {
  const e = err as { code?: string; message?: string };
  // SQLite says "UNIQUE constraint failed"; PostgreSQL uses SQLSTATE 23505.
  if (e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '')) throw new DuplicateNameError();
  throw err;
}

/** New and edited items (re)enter review: status pending, the previous verdict cleared. */
const backToReview = () => ({ status: 'pending', review_reason: null, reviewed_by: null, reviewed_at: null });

export async function insertCatalogueItem(db: Knex, table: CatalogueTable, fields: Row, createdBy: number): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db(table)
    .insert({ ...fields, ...backToReview(), created_by: createdBy, created_at: now, updated_at: now })
    .returning('id')
    .catch(duplicateOrRethrow);
  return typeof row === 'object' ? row.id : row;
}

export async function updateCatalogueItem(db: Knex, table: CatalogueTable, id: number, fields: Row): Promise<void> {
  await db(table)
    .where({ id })
    .update({ ...fields, ...backToReview(), updated_at: new Date().toISOString() })
    .catch(duplicateOrRethrow);
}

/**
 * A review decision applies only if the item is still in one of `from` states (checked in the UPDATE
 * itself), so two admins deciding at once cannot overwrite each other; returns whether it applied.
 */
export async function setReviewState(
  db: Knex,
  table: CatalogueTable,
  id: number,
  from: readonly ReviewStatus[],
  to: { status: ReviewStatus; reason: string | null; reviewerId: number },
): Promise<boolean> {
  const now = new Date().toISOString();
  const changed = await db(table)
    .where({ id })
    .whereIn('status', from as ReviewStatus[])
    .update({ status: to.status, review_reason: to.reason, reviewed_by: to.reviewerId, reviewed_at: now, updated_at: now });
  return changed > 0;
}
