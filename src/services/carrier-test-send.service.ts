import type { Knex } from 'knex';
import type { Carrier } from '../carrier/carrier';
import type { CarrierAccount } from '../queries/carrier-accounts.queries';
import { insertTestSend } from '../queries/carrier-test-sends.queries';

/** Where a test send finds the account's live carrier: the dispatcher's carrier pool (src/server.ts). */
export interface CarrierDirectory {
  refresh(): Promise<void>;
  carrierOf(accountId: number): Carrier | null;
}

export type TestSendOutcome = { ok: true; accepted: boolean } | { ok: false; reason: string };

/**
 * One message through the account's carrier, outside any task: the carrier's answer is recorded at once, and its
 * receipt shows on the test page when it arrives. The message id handed to the carrier is negative, so it can never
 * be one of a task's (the simulator keeps ids as idempotency keys). An account that is down is refused with its
 * last error, rather than waiting as a task would.
 */
export async function sendTestMessage(
  db: Knex,
  directory: CarrierDirectory,
  account: CarrierAccount,
  input: { phone: string; text: string },
  userId: number,
): Promise<TestSendOutcome> {
  await directory.refresh();
  const carrier = directory.carrierOf(account.id);
  if (!account.enabled || !carrier || carrier.available?.() === false) return { ok: false, reason: account.lastError ?? account.state };
  const [result] = await carrier.submitBatch([{ id: -(Date.now() % 2_000_000_000), phone: input.phone, content: input.text }]);
  await insertTestSend(db, {
    accountId: account.id,
    phone: input.phone,
    text: input.text,
    accepted: result.accepted,
    carrierMessageIds: result.accepted ? (result.partIds ?? [result.carrierMessageId]) : [],
    code: result.accepted ? null : result.code,
    description: result.accepted ? null : result.description,
    createdBy: userId,
  });
  return { ok: true, accepted: result.accepted };
}
