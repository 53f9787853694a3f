import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { ReceiptSource } from '../carrier/carrier';
import { adoptKnownOrphans, applyDeliveryReceipts } from '../queries/delivery-receipts.queries';

const RECEIPT_BATCH = 500;

/**
 * Pulls delivery receipts and applies them, then acknowledges them to the carrier. A receipt for an unknown or
 * already final message is logged and ignored; a crash before the acknowledgement only repeats receipts. Early
 * receipts left waiting for a message that is known by now are applied first.
 */
export async function applyReceipts(db: Knex, carrier: ReceiptSource, logger: Logger, budgetMs = Infinity): Promise<number> {
  const started = Date.now();
  await db.transaction((trx) => adoptKnownOrphans(trx, new Date().toISOString()));
  let total = 0;
  for (;;) {
    const receipts = await carrier.pullReceipts(RECEIPT_BATCH);
    if (receipts.length === 0) return total;
    const updates = receipts.map((r) => ({
      carrierMessageId: r.carrierMessageId,
      status: r.delivered ? ('delivered' as const) : ('failed' as const),
      code: r.code,
      description: r.description,
      reportedAtIso: r.reportedAt.toISOString(),
    }));
    const ignored = await db.transaction((trx) => applyDeliveryReceipts(trx, updates, new Date().toISOString()));
    if (ignored.length) logger.warn('receipts for unknown or final messages ignored', { count: ignored.length, sample: ignored.slice(0, 3) });
    await carrier.ackReceipts(receipts.map((r) => r.receiptId));
    total += receipts.length;
    if (receipts.length < RECEIPT_BATCH || Date.now() - started > budgetMs) return total;
    // better-sqlite3 answers synchronously: without a turn of the event loop between batches, 20,000 receipts would
    // keep HTTP requests, the ticker and signals waiting for seconds.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
