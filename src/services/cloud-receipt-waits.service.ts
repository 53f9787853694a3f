import type { Knex } from 'knex';
import type { SentRef } from '../carrier/cloud/cloud-client';
import type { ReceiptWaits } from '../carrier/cloud/receipt-waits';
import { addReceiptWaits, anyReceiptWait, removeReceiptWaits, takeReceiptWaitsToAsk } from '../queries/cloud-receipt-waits.queries';

/**
 * Asked about for this long after the send, then given up: Alibaba's QuerySendDetails reaches back 30 days, but a
 * receipt is due within minutes and UCloud says to ask support after 12 hours; three days covers a slow operator.
 */
export const RECEIPT_WAIT_GIVE_UP_MS = 3 * 24 * 3600_000;

/** A cloud account's waiting messages kept in the database (cloud_receipt_waits), so a restart resumes the asking. */
export class DatabaseReceiptWaits implements ReceiptWaits {
  constructor(
    private readonly db: Knex,
    private readonly accountId: number,
  ) {}

  add(sent: readonly SentRef[]): Promise<void> {
    return addReceiptWaits(this.db, this.accountId, sent.map((s) => ({ carrierMessageId: s.ref, phone: s.phone, sentAt: s.sentAt.toISOString() })));
  }

  async nextToAsk(limit: number): Promise<SentRef[]> {
    const now = Date.now();
    const rows = await takeReceiptWaitsToAsk(this.db, this.accountId, limit, new Date(now).toISOString(), new Date(now - RECEIPT_WAIT_GIVE_UP_MS).toISOString());
    return rows.map((r) => ({ ref: r.carrierMessageId, phone: r.phone, sentAt: new Date(r.sentAt) }));
  }

  any(): Promise<boolean> {
    return anyReceiptWait(this.db, this.accountId);
  }

  remove(refs: readonly string[]): Promise<void> {
    return removeReceiptWaits(this.db, this.accountId, refs);
  }
}
