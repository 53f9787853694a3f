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
    for (const u of updates) {
      const msg = await trx('messages').where({ carrier_message_id: u.carrierMessageId }).first('id', 'task_id', 'status');
      if (!msg) {
        await trx('orphan_receipts')
          .insert({ carrier_message_id: u.carrierMessageId, status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso, received_at: nowIso })
          .onConflict('carrier_message_id')
          .ignore();
        continue;
      }
      if (msg.status !== 'submitted') {
        ignored.push(u.carrierMessageId);
        continue;
      }
      await trx('messages').where({ id: msg.id }).update({ status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso });
      await bumpCounter(trx, msg.task_id, u.status === 'delivered' ? 'delivered_count' : 'failed_count', 1);
      await insertReceipts(trx, msg.task_id, [msg.id]);
    }
    return ignored;
  });
}

/** Applies orphan receipts that belong to messages whose carrier ids were just recorded. */
export async function adoptOrphanReceipts(db: Knex, carrierIds: readonly string[], nowIso: string): Promise<number> {
  if (carrierIds.length === 0) return 0;
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
