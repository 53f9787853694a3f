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

/**
 * What becomes of a message left `submitting` by a run that ended before recording its answer (a killed process):
 * `resubmit` sends it again (safe with an idempotency key like the stub's, or chosen on an SMPP account as
 * at-least-once); `unknown` ends it as SUBMIT_UNKNOWN, since the carrier may have it and has no key to tell.
 */
export type UnansweredPolicy = 'resubmit' | 'unknown';

export interface Carrier {
  readonly name: string;
  /** Absent: `resubmit`. */
  readonly unanswered?: UnansweredPolicy;
  /**
   * True when submitBatch bounds its own time (per-PDU response timers) and always answers for every message: the
   * dispatcher then puts no timeout of its own around it, which would hand messages still at the carrier back to
   * pending and send them twice.
   */
  readonly selfTimed?: boolean;
  /**
   * True when the dispatcher should hand over the next batch while the previous one is still being answered, so a
   * window of outstanding submits stays full across batch boundaries (SMPP); false: one batch at a time.
   */
  readonly pipelined?: boolean;
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

/** Where delivery receipts are pulled from and acknowledged: a carrier, or an inbox several carriers share. */
export type ReceiptSource = Pick<Carrier, 'pullReceipts' | 'ackReceipts'>;

/**
 * The carriers of every enabled account, as the dispatcher sees them: the one to send a task through now, and the
 * places receipts come from. A single carrier (the tests, the benches) is a set of one (`singleCarrierSet`).
 */
export interface CarrierSet {
  /** The carrier for a task now: its account's, or the route's fallback while that one is down; null: the task waits. */
  forTask(taskId: string): Promise<Carrier | null>;
  receiptSources(): readonly ReceiptSource[];
  /** Brings the set in line with the accounts (created, edited, disabled at run time); cheap when nothing changed. */
  refresh?(): Promise<void>;
  stop?(): Promise<void>;
}

export function singleCarrierSet(carrier: Carrier): CarrierSet {
  return {
    forTask: async () => (carrier.available?.() === false ? null : carrier),
    receiptSources: () => [carrier],
    stop: async () => carrier.stop?.(),
  };
}

export function isCarrierSet(value: Carrier | CarrierSet): value is CarrierSet {
  return typeof (value as CarrierSet).forTask === 'function';
}
