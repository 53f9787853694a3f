import type { Knex } from 'knex';

/** A receipt as an SMPP account received it, before it is applied to its message (migration 102). */
export interface InboxReceiptWrite {
  accountId: number;
  carrierMessageId: string;
  /** delivered | failed; `unparseable` rows are kept for the record and never applied. */
  outcome: 'delivered' | 'failed' | 'unparseable';
  code: string;
  description: string;
  receivedAt: string;
}

export interface InboxReceipt {
  id: number;
  accountId: number;
  carrierMessageId: string;
  outcome: 'delivered' | 'failed';
  code: string;
  description: string;
  receivedAt: string;
}

/**
 * Stores receipts in one statement; a repeat (same account, id and code: the SMSC resent it because our answer was
 * lost) is ignored. Unparseable ones are stored as already applied, so no pull ever hands them out.
 */
export async function insertInboxReceipts(db: Knex, receipts: readonly InboxReceiptWrite[]): Promise<void> {
  if (receipts.length === 0) return;
  await db('carrier_receipt_inbox')
    .insert(
      receipts.map((r) => ({
        account_id: r.accountId,
        carrier_message_id: r.carrierMessageId,
        outcome: r.outcome,
        code: r.code,
        description: r.description,
        received_at: r.receivedAt,
        applied_at: r.outcome === 'unparseable' ? r.receivedAt : null,
      })),
    )
    .onConflict(['account_id', 'carrier_message_id', 'code'])
    .ignore();
}

/** Receipts not applied yet, oldest first; `accountId` limits them to one account. */
export async function unappliedInboxReceipts(db: Knex, limit: number, accountId?: number): Promise<InboxReceipt[]> {
  const query = db('carrier_receipt_inbox').whereNull('applied_at').orderBy('id').limit(limit);
  if (accountId !== undefined) query.where('account_id', accountId);
  const rows = await query.select('id', 'account_id', 'carrier_message_id', 'outcome', 'code', 'description', 'received_at');
  return rows.map((r: Record<string, unknown>) => ({
    id: r.id as number,
    accountId: r.account_id as number,
    carrierMessageId: r.carrier_message_id as string,
    outcome: r.outcome as InboxReceipt['outcome'],
    code: r.code as string,
    description: r.description as string,
    receivedAt: r.received_at as string,
  }));
}

export async function markInboxReceiptsApplied(db: Knex, ids: readonly number[], nowIso: string): Promise<void> {
  for (let from = 0; from < ids.length; from += 500) {
    await db('carrier_receipt_inbox').whereIn('id', ids.slice(from, from + 500)).update({ applied_at: nowIso });
  }
}

/**
 * Receipts applied before the cutoff, a few thousand rows a statement so no delete holds the write lock for long.
 * Returns how many went.
 */
export async function deleteAppliedInboxReceiptsBefore(db: Knex, cutoffIso: string, batch = 5000): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = await db('carrier_receipt_inbox')
      .whereIn('id', db('carrier_receipt_inbox').whereNotNull('applied_at').where('applied_at', '<', cutoffIso).select('id').limit(batch))
      .delete();
    removed += n;
    if (n < batch) return removed;
  }
}
