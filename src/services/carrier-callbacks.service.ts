import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import type { CloudProvider } from '../carrier/cloud/cloud-codes';
import type { CloudReceipt, CloudReply } from '../carrier/cloud/cloud-client';
import { findCarrierAccount } from '../queries/carrier-accounts.queries';
import { applyDeliveryReceipts } from '../queries/delivery-receipts.queries';
import { removeReceiptWaits } from '../queries/cloud-receipt-waits.queries';
import { recordInboundMessage } from './inbound-messages.service';
import { callbackTokenOf } from './cloud-accounts.service';

/** The account a callback URL names, when its token is right; null otherwise (the caller answers 404 either way). */
export async function callbackAccount(db: Knex, secretKey: Buffer, accountId: number, token: string): Promise<{ id: number; kind: CloudProvider } | null> {
  const account = await findCarrierAccount(db, accountId);
  if (!account || !isCloudProvider(account.kind)) return null;
  const expected = callbackTokenOf(secretKey, account.secretsBox);
  if (!expected) return null;
  // Compared as digests, so the time taken says nothing about how much of the token was right.
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(expected), digest(token)) ? { id: account.id, kind: account.kind } : null;
}

/**
 * Applies what a provider pushed. Receipts go through the same query as the pulled ones (a message already final
 * is left alone, an early one kept as an orphan); replies through the one entry point for replies, whose
 * (account, ref) uniqueness drops a repeat.
 */
export async function applyCallback(db: Knex, accountId: number, receipts: readonly CloudReceipt[], replies: readonly CloudReply[]): Promise<{ receipts: number; replies: number }> {
  const now = new Date().toISOString();
  if (receipts.length > 0) {
    const updates = receipts.map((r) => ({
      carrierMessageId: r.ref, status: r.delivered ? ('delivered' as const) : ('failed' as const), code: r.code, description: r.description, reportedAtIso: r.reportedAt.toISOString(),
    }));
    await db.transaction((trx) => applyDeliveryReceipts(trx, updates, now));
    // Pushed, so no longer to be asked about (a pull that comes anyway is ignored as a repeat for a final message).
    await removeReceiptWaits(db, accountId, receipts.map((r) => r.ref));
  }
  let stored = 0;
  for (const reply of replies) {
    const id = await storeReply(db, accountId, reply);
    if (id !== null) stored += 1;
  }
  return { receipts: receipts.length, replies: stored };
}

/** A reply pulled or pushed, into /inbox. Returns null for a repeat. */
export function storeReply(db: Knex, accountId: number, reply: CloudReply): Promise<number | null> {
  const phone = reply.phone.replace(/^\+?86(?=1\d{10}$)/, '');
  return recordInboundMessage(db, { accountId, phone, text: reply.text, receivedAt: reply.receivedAt.toISOString(), carrierRef: reply.ref });
}
