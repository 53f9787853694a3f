import type { Knex } from 'knex';
import { COMMITTED_FOR_GOOD, isPostgres } from '../db/dialect';

export interface Receipt {
  id: number;
  /** PostgreSQL: the writing transaction's id (xid8, as digits), the receipt's place in commit order. */
  txid?: string;
  messageId: number;
  taskId: string;
  phone: string;
  status: string;
  code: string | null;
  description: string | null;
  sentAt: string | null;
  reportedAt: string;
}

type Row = Record<string, unknown>;

const toReceipt = (r: Row): Receipt => ({
  id: r.id as number,
  ...(r.txid_text !== undefined ? { txid: r.txid_text as string } : {}),
  messageId: r.message_id as number,
  taskId: r.task_id as string,
  phone: r.phone as string,
  status: r.status as string,
  code: (r.code as string) ?? null,
  description: (r.description as string) ?? null,
  sentAt: (r.sent_at as string) ?? null,
  reportedAt: r.reported_at as string,
});

/** Receipts after `afterId` in id order (the index on (task_id, id) serves the filtered form). */
export async function listReceiptsAfter(db: Knex, opts: { afterId: number; taskId: string | null; limit: number }): Promise<Receipt[]> {
  const q = db('receipts').where('id', '>', opts.afterId).orderBy('id').limit(opts.limit);
  if (opts.taskId !== null) q.where('task_id', opts.taskId);
  return (await q).map(toReceipt);
}

/** A place in PostgreSQL's commit order: after (txid, id), and never at or below `floorId` (a cursor of before). */
export interface CommitPosition {
  txid: string;
  id: number;
  floorId: number;
}

/**
 * PostgreSQL: receipts after the position in commit order, (txid, id), only those no running transaction can
 * still join (COMMITTED_FOR_GOOD); served by the indexes on (txid, id) and (task_id, txid, id).
 */
export async function listReceiptsAfterCommit(db: Knex, opts: { after: CommitPosition; taskId: string | null; limit: number }): Promise<Receipt[]> {
  const q = db('receipts')
    .select('*', db.raw('txid::text as txid_text'))
    .whereRaw(COMMITTED_FOR_GOOD)
    .whereRaw('(txid, id) > (cast(? as xid8), ?)', [opts.after.txid, opts.after.id])
    .orderBy([{ column: 'txid' }, { column: 'id' }])
    .limit(opts.limit);
  if (opts.after.floorId > 0) q.where('id', '>', opts.after.floorId);
  if (opts.taskId !== null) q.where('task_id', opts.taskId);
  return (await q).map(toReceipt);
}

/** Whether receipts are read in commit order (PostgreSQL) rather than id order (SQLite, one writer). */
export function receiptsInCommitOrder(db: Knex): boolean {
  return isPostgres(db);
}
