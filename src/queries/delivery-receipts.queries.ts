import type { Knex } from 'knex';
import { bumpCounter, insertReceipts } from './dispatch.queries';

export interface ReceiptUpdate {
  carrierMessageId: string;
  status: 'delivered' | 'failed';
  code: string;
  description: string;
  reportedAtIso: string;
}

/**
 * Applies delivery receipts in one transaction. Only messages still `submitted` change, so a repeated receipt
 * changes nothing. A receipt whose carrier id we do not know yet is kept as an orphan (see the migration) and
 * adopted when the message's acceptance is recorded. Returns the carrier ids ignored as already final.
 */
export async function applyDeliveryReceipts(db: Knex, updates: readonly ReceiptUpdate[], nowIso: string): Promise<string[]> {
  return db.transaction(async (trx) => {
    const ignored: string[] = [];
    const applied: { taskId: string; id: number; status: ReceiptUpdate['status'] }[] = [];
    for (const u of updates) {
      const part = await applyPartReceipt(trx, u);
      if (part === 'waiting' || part === 'repeat') {
        if (part === 'repeat') ignored.push(u.carrierMessageId);
        continue;
      }
      // The update comes first, not a look-up: see WRITE FIRST in dispatch.queries.ts.
      const [msg] = (await trx('messages')
        .where(part === null ? { carrier_message_id: u.carrierMessageId, status: 'submitted' } : { id: part, status: 'submitted' })
        .update({ status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso })
        .returning(['id', 'task_id'])) as { id: number; task_id: string }[];
      if (msg) {
        applied.push({ taskId: msg.task_id, id: msg.id, status: u.status });
        continue;
      }
      if (part !== null || (await trx('messages').where({ carrier_message_id: u.carrierMessageId }).first('id'))) {
        ignored.push(u.carrierMessageId);
        continue;
      }
      await trx('orphan_receipts')
        .insert({ carrier_message_id: u.carrierMessageId, status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso, received_at: nowIso })
        .onConflict('carrier_message_id')
        .ignore();
    }
    await recordApplied(trx, applied);
    return ignored;
  });
}

/**
 * A receipt for one part of a several-part message (message_parts). Returns null when the id is not a part's (the
 * caller treats it as a whole message's); 'repeat' when that part already had its final receipt; 'waiting' when the
 * part is delivered but others are not yet; else the message id to update: any failed part fails the message (the
 * first failure to arrive gives the code, as the message is no longer `submitted` after it), and the last delivered
 * part delivers it.
 */
async function applyPartReceipt(trx: Knex, u: ReceiptUpdate): Promise<number | null | 'waiting' | 'repeat'> {
  const [part] = (await trx('message_parts')
    .where({ carrier_message_id: u.carrierMessageId, status: 'submitted' })
    .update({ status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso })
    .returning(['message_id'])) as { message_id: number }[];
  if (!part) return (await trx('message_parts').where({ carrier_message_id: u.carrierMessageId }).first('id')) ? 'repeat' : null;
  if (u.status === 'failed') return part.message_id;
  const open = await trx('message_parts').where({ message_id: part.message_id }).whereNot('status', 'delivered').first('id');
  return open ? 'waiting' : part.message_id;
}

/** Receipt rows per group of consecutive messages of one task: this many ids to a statement at most. */
const RECEIPT_ROWS_PER_INSERT = 500;

/**
 * The task counters and the receipt feed for a batch of applied receipts, a statement per task and column and one
 * per run of the same task, instead of two for every receipt (which made 100,000 receipts take about 8 s).
 * Same transaction, same totals; the feed keeps the batch's order between tasks.
 */
async function recordApplied(trx: Knex, applied: readonly { taskId: string; id: number; status: ReceiptUpdate['status'] }[]): Promise<void> {
  const counts = new Map<string, { delivered: number; failed: number }>();
  for (const a of applied) {
    const c = counts.get(a.taskId) ?? { delivered: 0, failed: 0 };
    c[a.status] += 1;
    counts.set(a.taskId, c);
  }
  for (const [taskId, c] of counts) {
    await bumpCounter(trx, taskId, 'delivered_count', c.delivered);
    await bumpCounter(trx, taskId, 'failed_count', c.failed);
  }
  for (let from = 0; from < applied.length; ) {
    const taskId = applied[from].taskId;
    let to = from;
    while (to < applied.length && to - from < RECEIPT_ROWS_PER_INSERT && applied[to].taskId === taskId) to += 1;
    await insertReceipts(trx, taskId, applied.slice(from, to).map((a) => a.id));
    from = to;
  }
}

/**
 * Orphan receipts whose message is known by now. The run that recorded the acceptance adopts them at once
 * (adoptOrphanReceipts), but a run that died or failed between those two steps left them waiting, and the carrier
 * will not send them again: each receipt pull picks them up, so they are applied late instead of never.
 */
export async function adoptKnownOrphans(db: Knex, nowIso: string, limit = 500): Promise<number> {
  // EXISTS, not a join: SQLite (with no statistics) would otherwise drive the join from the messages side and walk
  // the carrier-id index of every message ever sent on each receipt pull, to find the few orphans.
  const carrierIds = (await db('orphan_receipts as o')
    .where((q) =>
      q
        .whereExists(db('messages as m').whereRaw('m.carrier_message_id = o.carrier_message_id').select(db.raw('1')))
        .orWhereExists(db('message_parts as p').whereRaw('p.carrier_message_id = o.carrier_message_id').select(db.raw('1'))),
    )
    .limit(limit)
    .pluck('o.carrier_message_id')) as string[];
  return adoptOrphanReceipts(db, carrierIds, nowIso);
}

/** Applies orphan receipts that belong to messages whose carrier ids were just recorded. */
export async function adoptOrphanReceipts(db: Knex, carrierIds: readonly string[], nowIso: string): Promise<number> {
  if (carrierIds.length === 0) return 0;
  // Almost every batch meets no orphan at all (the table is empty): one row looked for first, not an IN list of the
  // batch's every carrier id (200 bound values, 0.1-0.2 ms a batch: about 1 µs a message at SMPP speed). One inserted
  // meanwhile is picked up by adoptKnownOrphans at the next receipt pull, as it is when it comes after the IN list.
  if (!(await db('orphan_receipts').first('carrier_message_id'))) return 0;
  const orphans = await db('orphan_receipts').whereIn('carrier_message_id', carrierIds as string[]);
  if (orphans.length === 0) return 0;
  await applyDeliveryReceipts(
    db,
    orphans.map((o: Record<string, string>) => ({
      carrierMessageId: o.carrier_message_id,
      status: o.status as ReceiptUpdate['status'],
      code: o.code,
      description: o.description,
      reportedAtIso: o.reported_at,
    })),
    nowIso,
  );
  await db('orphan_receipts').whereIn('carrier_message_id', orphans.map((o: Record<string, string>) => o.carrier_message_id)).delete();
  return orphans.length;
}
