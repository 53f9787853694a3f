/**
 * The one interface between Qunfa and an SMS carrier. The dispatcher never knows which carrier it talks to: the
 * built-in stub simulates one, the SMPP connector (`smpp.carrier.ts`) talks to a real SMSC.
 */
export interface OutgoingMessage {
  /**
   * Our message id. The stub uses it as an idempotency key; SMPP has none, so a message whose submit was written but
   * not answered comes back `unknown` instead of being resubmitted (unless the account asks for at-least-once).
   */
  id: number;
  phone: string;
  content: string;
}

/**
 * A message's answer. Accepted: `carrierMessageId` is the (first) part's id; `partIds` lists every part's id, in
 * order, when the message went as several submits (each part then gets its own receipt). Not accepted:
 * - `rejected` (the default): refused for good, with the carrier's code;
 * - `unknown`: written but never answered, so the carrier may have it; never resubmitted (code SUBMIT_UNKNOWN);
 * - `retry`: not taken (never written, or unanswered on an account that chose at-least-once): sent again later.
 */
export type SubmitResult =
  | { id: number; accepted: true; carrierMessageId: string; partIds?: readonly string[] }
  | { id: number; accepted: false; code: string; description: string; outcome?: 'rejected' | 'unknown' | 'retry' };

export const SUBMIT_UNKNOWN = 'SUBMIT_UNKNOWN';

/** A failure worth retrying (timeout, overload, 5xx-like): nothing about the batch's fate is known. */
export class CarrierTemporaryError extends Error {
  constructor(message: string, readonly code = 'TEMPORARY') {
    super(message);
  }
}

export interface DeliveryReceipt {
  /** The carrier's handle to acknowledge it after it has been applied. */
  receiptId: string;
  carrierMessageId: string;
  delivered: boolean;
  code: string;
  description: string;
  reportedAt: Date;
}

export interface Carrier {
  readonly name: string;
  /** False while the carrier cannot take messages (an SMPP account not bound): its tasks wait. Absent: always up. */
  available?(): boolean;
  /** Graceful stop (SIGTERM): stop submitting, wait a bounded time for answers, close the link. */
  stop?(): Promise<void>;
  submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]>;
  /**
   * Receipts not yet acknowledged. A carrier whose receipts are pushed to it (SMPP deliver_sm) commits them to its own
   * inbox before it answers the SMSC, and hands them out here. A receipt stays available until `ackReceipts`, so a crash between applying
   * and acknowledging only repeats it (and a repeated receipt for a final message is ignored).
   */
  pullReceipts(limit: number): Promise<DeliveryReceipt[]>;
  ackReceipts(receiptIds: readonly string[]): Promise<void>;
}
