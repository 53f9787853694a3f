/**
 * The one interface between Qunfa and an SMS carrier. The dispatcher never knows which carrier it talks to;
 * the built-in stub simulates one, an SMPP connector can implement the same interface later.
 */
export interface OutgoingMessage {
  /** Our message id, sent as the idempotency key: a resubmitted id must not be delivered twice. */
  id: number;
  phone: string;
  content: string;
}

export type SubmitResult =
  | { id: number; accepted: true; carrierMessageId: string }
  | { id: number; accepted: false; code: string; description: string };

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
  submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]>;
  /**
   * Receipts not yet acknowledged. A receipt stays available until `ackReceipts`, so a crash between applying
   * and acknowledging only repeats it (and a repeated receipt for a final message is ignored).
   */
  pullReceipts(limit: number): Promise<DeliveryReceipt[]>;
  ackReceipts(receiptIds: readonly string[]): Promise<void>;
}
