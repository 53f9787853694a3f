/**
 * The shapes CloudCarrier (cloud.carrier.ts) works with: what a message carries for a cloud provider, what each
 * message's submit came to, and the adapter's options.
 */
import type { OutgoingMessage } from '../carrier';
import type { CloudCode } from './cloud-codes';
import type { ReceiptWaits } from './receipt-waits';

export interface CloudTemplateRef {
  /** The account's mapping of the task's template: the provider's template id or code. */
  templateCode: string;
  /** The account's mapping of the task's signature: the provider's approved signature text. */
  signName: string;
  /** The message's parameters in the template's order ({1}, {2}, …), as stored in messages.params. */
  params: readonly string[];
  /** Alibaba names its variables (`${code}`): the names in the order of {1}, {2}, … (from the mapping). */
  paramNames?: readonly string[];
}

export interface CloudOutgoingMessage extends OutgoingMessage {
  cloud?: CloudTemplateRef;
}

export type CloudOutcome =
  | { id: number; outcome: 'accepted'; carrierMessageId: string }
  | { id: number; outcome: 'rejected'; code: string; description: string }
  /**
   * Nothing was sent: send again later. `cause` tells flow control, a down account and a call not started within the
   * submit budget (never a failure) from a provider error.
   */
  | { id: number; outcome: 'retry'; code: string; description: string; cause: 'throttle' | 'temporary' | 'account_down' | 'deferred' }
  /** Sent, fate unknown: looked up with `reconcile`. */
  | { id: number; outcome: 'unknown'; callTag: string; sentAt: Date };

export interface CloudCarrierOptions {
  name: string;
  /** Calls in flight at once. */
  concurrency?: number;
  /**
   * Calls are started for this long after a submit begins; the rest of the batch is `retry` (not sent). With the
   * client's timeout and one look-up after a lost answer, a submit then ends before the dispatcher gives up on it
   * (README, "A lost answer"): a submit it gave up on would have its messages sent again.
   */
  submitBudgetMs?: number;
  /** Attempts of a throttled or temporarily failing call inside one submit, with doubling waits from retryBaseMs. */
  callAttempts?: number;
  retryBaseMs?: number;
  /**
   * The provider is asked for receipts at most this often (the account's poll_seconds); in between, pullReceipts
   * answers from what it holds. 0 asks every time (the tests).
   */
  pollMs?: number;
  /**
   * Where the messages waiting for a receipt are kept, for a provider asked per message (Alibaba, UCloud). Default:
   * in memory (tests, bench); an account's carrier keeps them in the database so a restart resumes the asking.
   */
  waits?: ReceiptWaits;
  /**
   * How long a down account stays unavailable before one batch is tried again: a balance topped up at the provider
   * is seen without an edit in Qunfa, and a refusal again costs one call (its messages are retried, not failed).
   */
  downProbeMs?: number;
  /** Told when the provider says the credentials or the balance are gone (the account state on /carriers). */
  onAccountDown?: (code: CloudCode, message: string) => void | Promise<void>;
  /** Told at the first call the provider accepts, and at the first after being down. */
  onAccountUp?: () => void | Promise<void>;
}
