/**
 * One Carrier for the three cloud providers: it turns a batch of Qunfa messages into the provider's calls (recipients
 * with the same template, signature and parameters in one same-parameter call, the rest per-number), runs them a few
 * at a time, maps each number's answer back to its message, retries flow control with back-off, stops the account on
 * bad credentials or an empty balance, and keeps receipts until the dispatcher acknowledges them.
 *
 * Each message must carry its provider template (`CloudOutgoingMessage`); AccountCloudCarrier puts it on for the
 * dispatcher, which hands over id, phone and content only. `submitDetailed` answers per message; `submitBatch` turns
 * that into the Carrier interface's accepted / rejected / unknown / retry.
 */
import { CarrierTemporaryError, SUBMIT_UNKNOWN, type Carrier, type DeliveryReceipt, type OutgoingMessage, type SubmitResult } from '../carrier';
import { isNumberSpecific, type CloudCode } from './cloud-codes';
import { CloudCallError, CloudTimeoutError, type CloudClient, type CloudRecipient, type CloudReceipt, type CloudReply, type CloudSendCall } from './cloud-client';
import { planCalls } from './cloud-call-plan';
import { MemoryReceiptWaits, type ReceiptWaits } from './receipt-waits';
import type { CloudCarrierOptions, CloudOutcome, CloudOutgoingMessage } from './cloud-carrier.types';

export type { CloudTemplateRef, CloudOutgoingMessage, CloudOutcome, CloudCarrierOptions } from './cloud-carrier.types';

const NO_MAPPING = 'CLOUD:NO_MAPPING';
/** Waiting messages asked about in one pull (Alibaba: one query each; UCloud: one query per 100 sessions). */
export const RECEIPT_ASK_MAX = 200;
const DOWN_PROBE_MS = 5 * 60_000;
const SUBMIT_BUDGET_MS = 5_000;
const RECONCILE_BUDGET_MS = 3_000;
const DEFERRED = 'CLOUD:DEFERRED';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CloudCarrier implements Carrier {
  readonly name: string;
  /** Set when the provider refused the credentials or the balance; `until` is when one batch is tried again. */
  down: { code: CloudCode; message: string; until: number } | null = null;
  /** Messages waiting for their receipt, for a provider asked per message; null for Tencent, whose pull needs none. */
  private readonly waits: ReceiptWaits | null;
  /** Tencent: something was sent since the last ask, so receipts are due (its asks are timed by this, not a list). */
  private sentSinceAsk = false;
  private readonly buffered = new Map<string, DeliveryReceipt>();
  private readonly concurrency: number;
  private readonly callAttempts: number;
  private readonly retryBaseMs: number;
  private upReported = false;
  private lastAskedAt = 0;
  private lastIdleAskAt = 0;

  constructor(
    readonly client: CloudClient,
    private readonly options: CloudCarrierOptions,
  ) {
    this.name = options.name;
    this.concurrency = options.concurrency ?? 4;
    this.callAttempts = options.callAttempts ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.waits = client.receiptsByRef ? (options.waits ?? new MemoryReceiptWaits()) : null;
  }

  /** False while the provider's last word was bad credentials or no balance, until the probe time. */
  available(): boolean {
    return this.down === null || Date.now() >= this.down.until;
  }

  /** Starts down (a restart while the account was refused): no call until the probe time. */
  startDown(code: CloudCode, message: string): void {
    this.down = { code, message, until: Date.now() + (this.options.downProbeMs ?? DOWN_PROBE_MS) };
  }

  private async accountDown(cloudCode: CloudCode, message: string): Promise<void> {
    const already = this.down?.code.code === cloudCode.code;
    this.startDown(cloudCode, message);
    // Told once per refusal, not at every probe that meets it again: the account's "down since" stays the first time.
    if (!already) await this.options.onAccountDown?.(cloudCode, message);
  }

  private async accountUp(): Promise<void> {
    if (this.upReported && this.down === null) return;
    this.upReported = true;
    this.down = null;
    await this.options.onAccountUp?.();
  }

  private async runCall(call: CloudSendCall): Promise<CloudOutcome[]> {
    const ids = call.recipients.map((r) => r.messageId);
    for (let attempt = 1; ; attempt++) {
      if (!this.available()) return ids.map((id) => ({ id, outcome: 'retry', code: this.down!.code.code, description: this.down!.message, cause: 'account_down' }));
      const sentAt = new Date();
      try {
        const results = await this.client.send(call);
        await this.accountUp();
        const phoneOf = new Map(call.recipients.map((r) => [r.messageId, r.phone]));
        const waiting = results.flatMap((r) => (r.accepted ? [{ ref: r.ref, phone: phoneOf.get(r.messageId) ?? '', sentAt }] : []));
        if (this.waits) await this.waits.add(waiting);
        else this.sentSinceAsk ||= waiting.length > 0;
        return results.map((r): CloudOutcome => {
          if (r.accepted) return { id: r.messageId, outcome: 'accepted', carrierMessageId: r.ref };
          // A per-number flow-control answer sends nothing for that number: it goes again later.
          const { kind } = r.code;
          if (kind === 'throttle' || kind === 'temporary') return { id: r.messageId, outcome: 'retry', code: r.code.code, description: r.description, cause: kind };
          return { id: r.messageId, outcome: 'rejected', code: r.code.code, description: r.description };
        });
      } catch (err) {
        if (err instanceof CloudTimeoutError) return ids.map((id) => ({ id, outcome: 'unknown', callTag: call.callTag, sentAt }));
        if (!(err instanceof CloudCallError)) throw err;
        const { kind, code } = err.cloudCode;
        if (kind === 'account_down') {
          await this.accountDown(err.cloudCode, err.message);
          return ids.map((id) => ({ id, outcome: 'retry', code, description: err.message, cause: 'account_down' }));
        }
        if (kind === 'permanent' && call.recipients.length > 1 && isNumberSpecific(err.cloudCode)) {
          const alone: CloudOutcome[] = [];
          for (const r of call.recipients) alone.push(...(await this.runCall({ ...call, recipients: [r], sameParams: true, callTag: `q${r.messageId}` })));
          return alone;
        }
        if (kind === 'permanent') return ids.map((id) => ({ id, outcome: 'rejected', code, description: err.message }));
        if (attempt >= this.callAttempts) return ids.map((id) => ({ id, outcome: 'retry', code, description: err.message, cause: kind === 'throttle' ? 'throttle' : 'temporary' }));
        await sleep(this.retryBaseMs * 2 ** (attempt - 1));
      }
    }
  }

  /** Every message's outcome, in no particular order. */
  async submitDetailed(messages: readonly CloudOutgoingMessage[]): Promise<CloudOutcome[]> {
    const outcomes: CloudOutcome[] = [];
    for (const m of messages) {
      if (!m.cloud) outcomes.push({ id: m.id, outcome: 'rejected', code: NO_MAPPING, description: 'no provider template for this message' });
    }
    const calls = planCalls(messages, this.client);
    const deadline = Date.now() + (this.options.submitBudgetMs ?? SUBMIT_BUDGET_MS);
    let next = 0;
    const worker = async () => {
      while (next < calls.length && Date.now() < deadline) {
        const call = calls[next++];
        outcomes.push(...(await this.runCall(call)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, calls.length) }, worker));
    for (const call of calls.slice(next)) {
      for (const r of call.recipients) outcomes.push({ id: r.messageId, outcome: 'retry', code: DEFERRED, description: `${this.name}: not started within the submit budget`, cause: 'deferred' });
    }
    return outcomes;
  }

  /**
   * The Carrier interface's answer per message:
   * - flow control, and a down account, are `retry` (sent again later, never a failure);
   * - a batch that met only the provider's temporary errors (5xx, no connection) throws CarrierTemporaryError, so the
   *   dispatcher's back-off and attempt limit apply as for any carrier;
   * - a call whose answer was lost is looked up at once: found, the real result (accepted, its receipt queued when
   *   there is one); not found, or not looked up (UCloud cannot), `unknown` with SUBMIT_UNKNOWN, never resent (a
   *   provider's query can lag behind its send, so "not found" does not prove "not sent").
   */
  async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    const outcomes = await this.submitDetailed(messages as readonly CloudOutgoingMessage[]);
    const temporary = outcomes.filter((o) => o.outcome === 'retry' && o.cause === 'temporary');
    if (temporary.length > 0 && temporary.length === outcomes.length) {
      const first = temporary[0] as { code: string; description: string };
      throw new CarrierTemporaryError(first.description, first.code);
    }
    const found = new Map<number, string>();
    const unknown = outcomes.filter((o) => o.outcome === 'unknown');
    if (unknown.length > 0) {
      const byId = new Map((messages as readonly CloudOutgoingMessage[]).map((m) => [m.id, m]));
      const lost = unknown.flatMap((o) => (byId.has(o.id) ? [{ message: byId.get(o.id)!, callTag: o.callTag, sentAt: o.sentAt }] : []));
      for (const answer of await this.reconcile(lost)) {
        if (answer && 'accepted' in answer && answer.accepted) found.set(answer.id, answer.carrierMessageId);
      }
    }
    return outcomes.map((o): SubmitResult => {
      switch (o.outcome) {
        case 'accepted':
          return { id: o.id, accepted: true, carrierMessageId: o.carrierMessageId };
        case 'unknown': {
          const ref = found.get(o.id);
          if (ref) return { id: o.id, accepted: true, carrierMessageId: ref };
          return { id: o.id, accepted: false, code: SUBMIT_UNKNOWN, description: `${this.name}: no answer to the send, and a query did not find it`, outcome: 'unknown' };
        }
        case 'retry':
          return { id: o.id, accepted: false, code: o.code, description: o.description, outcome: 'retry' };
        case 'rejected':
          return { id: o.id, accepted: false, code: o.code, description: o.description, outcome: 'rejected' };
      }
    });
  }

  /**
   * Looks up messages whose send got no answer. Found: accepted (and its receipt queued when there is one, else it
   * waits for one); not found: `notSent` as far as the provider can tell now; `null` when the provider cannot be
   * asked (UCloud) or the query itself failed.
   */
  async reconcile(messages: readonly { message: CloudOutgoingMessage; callTag: string; sentAt: Date }[]): Promise<(SubmitResult | { id: number; notSent: true } | null)[]> {
    const answers: (SubmitResult | { id: number; notSent: true } | null)[] = messages.map(() => null);
    // A few at a time, and none started after 3 s (those stay unknown): a lost call of 200 numbers is 200 look-ups,
    // and the submit must still end before the dispatcher gives up on it (5 s of calls started, a 10 s timeout, 3 s
    // of look-ups started, a 10 s timeout: 28 s, within its 30).
    const deadline = Date.now() + Math.min(this.options.submitBudgetMs ?? SUBMIT_BUDGET_MS, RECONCILE_BUDGET_MS);
    let next = 0;
    const worker = async () => {
      while (next < messages.length && Date.now() < deadline) {
        const i = next++;
        answers[i] = await this.lookUp(messages[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, messages.length) }, worker));
    return answers;
  }

  private async lookUp({ message, callTag, sentAt }: { message: CloudOutgoingMessage; callTag: string; sentAt: Date }): Promise<SubmitResult | { id: number; notSent: true } | null> {
    const recipient: CloudRecipient = { messageId: message.id, phone: message.phone, params: message.cloud?.params ?? [], paramNames: message.cloud?.paramNames };
    let found: Awaited<ReturnType<CloudClient['query']>>;
    try {
      found = await this.client.query(recipient, sentAt, callTag);
    } catch (err) {
      if (!(err instanceof CloudCallError || err instanceof CloudTimeoutError)) throw err;
      return null;
    }
    if (found === 'unsupported') return null;
    if (!found.found) return { id: message.id, notSent: true };
    if (found.receipt) this.bufferReceipts([found.receipt]);
    else if (this.waits) await this.waits.add([{ ref: found.ref, phone: message.phone, sentAt }]);
    else this.sentSinceAsk = true;
    return { id: message.id, accepted: true, carrierMessageId: found.ref };
  }

  private bufferReceipts(receipts: readonly CloudReceipt[]): void {
    for (const r of receipts) {
      this.buffered.set(r.ref, { receiptId: r.ref, carrierMessageId: r.ref, delivered: r.delivered, code: r.code, description: r.description, reportedAt: r.reportedAt });
    }
  }

  /**
   * Receipts stay here until acknowledged, and their messages stay in the waiting list until then, so a crash of the
   * applying side repeats rather than loses them. The provider is asked at most every pollMs, and about at most
   * RECEIPT_ASK_MAX waiting messages at a time (in turn), so a large send does not turn into a storm of queries.
   */
  async pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    const pollMs = this.options.pollMs ?? 0;
    const now = Date.now();
    // Asks while nothing waits (Tencent hands out receipts of sends we no longer remember) keep their own clock, so
    // an idle ask just before a send does not hold that send's receipts back for a whole interval.
    if (this.buffered.size < limit && this.available() && (now - this.lastAskedAt >= pollMs || now - this.lastIdleAskAt >= pollMs)) {
      const busy = this.waits ? await this.waits.any() : this.sentSinceAsk;
      const due = now - (busy ? this.lastAskedAt : this.lastIdleAskAt) >= pollMs;
      if (due && (busy || !this.client.receiptsByRef)) {
        if (busy) this.lastAskedAt = now;
        else this.lastIdleAskAt = now;
        const asked = this.waits ? (await this.waits.nextToAsk(RECEIPT_ASK_MAX)).filter((w) => !this.buffered.has(w.ref)) : [];
        this.sentSinceAsk = false;
        try {
          this.bufferReceipts(await this.client.pullReceipts(asked));
        } catch (err) {
          if (!(err instanceof CloudCallError || err instanceof CloudTimeoutError)) throw err;
        }
      }
    }
    return [...this.buffered.values()].slice(0, limit);
  }

  /** Receipts pulled and not yet acknowledged. */
  bufferedCount(): number {
    return this.buffered.size;
  }

  async ackReceipts(receiptIds: readonly string[]): Promise<void> {
    for (const id of receiptIds) this.buffered.delete(id);
    await this.waits?.remove(receiptIds);
  }

  /** Replies from handsets, for recordInboundMessage (cloud-inbound.service.ts). */
  async pullReplies(): Promise<CloudReply[]> {
    if (!this.available()) return [];
    return this.client.pullReplies();
  }
}
