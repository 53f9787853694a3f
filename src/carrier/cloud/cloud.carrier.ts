/**
 * One Carrier for the three cloud providers: it turns a batch of Qunfa messages into the provider's calls (recipients
 * with the same template, signature and parameters in one same-parameter call, the rest per-number), runs them a few
 * at a time, maps each number's answer back to its message, retries flow control with back-off, stops the account on
 * bad credentials or an empty balance, and keeps receipts until the dispatcher acknowledges them.
 *
 * The dispatcher must give each message its provider template: a `CloudOutgoingMessage` (README, "Cloud SMS
 * providers", what the dispatcher passes). `submitDetailed` answers per message with `retry` and `unknown` as well,
 * for a dispatcher that knows them; `submitBatch` is the current Carrier interface on top of it.
 */
import { CarrierTemporaryError, type Carrier, type DeliveryReceipt, type OutgoingMessage, type SubmitResult } from '../carrier';
import { CLOUD_TIMEOUT, isNumberSpecific, type CloudCode } from './cloud-codes';
import { CloudCallError, CloudTimeoutError, inPieces, type CloudClient, type CloudRecipient, type CloudReceipt, type CloudReply, type CloudSendCall, type SentRef } from './cloud-client';

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

/** The request went out and no answer came: the dispatcher must neither resend nor fail these until reconciled. */
export class CarrierSubmitUnknownError extends CarrierTemporaryError {
  constructor(
    message: string,
    readonly messageIds: readonly number[],
  ) {
    super(message, 'SUBMIT_UNKNOWN');
  }
}

export type CloudOutcome =
  | { id: number; outcome: 'accepted'; carrierMessageId: string }
  | { id: number; outcome: 'rejected'; code: string; description: string }
  /** Nothing was sent: send again later (flow control, a provider error, the account down). */
  | { id: number; outcome: 'retry'; code: string; description: string }
  /** Sent, fate unknown: look it up with `reconcile` before the task finishes. */
  | { id: number; outcome: 'unknown'; callTag: string; sentAt: Date };

export interface CloudCarrierOptions {
  name: string;
  /** Calls in flight at once. */
  concurrency?: number;
  /** Attempts of a throttled or temporarily failing call inside one submit, with doubling waits from retryBaseMs. */
  callAttempts?: number;
  retryBaseMs?: number;
  /**
   * The provider is asked for receipts at most this often (the account's poll_seconds); in between, pullReceipts
   * answers from what it holds. 0 asks every time (the tests).
   */
  pollMs?: number;
  /** Told once when the provider says the credentials or the balance are gone (the account state on /carriers). */
  onAccountDown?: (code: CloudCode, message: string) => void | Promise<void>;
}

const NO_MAPPING = 'CLOUD:NO_MAPPING';
/** Waiting messages asked about in one pull (Alibaba: one query each; UCloud: one query per 100 sessions). */
export const RECEIPT_ASK_MAX = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CloudCarrier implements Carrier {
  readonly name: string;
  /** Set when the provider refused the credentials or the balance; cleared by `markUp` (the admin fixed it). */
  down: { code: CloudCode; message: string } | null = null;
  private readonly waiting = new Map<string, SentRef>();
  private readonly buffered = new Map<string, DeliveryReceipt>();
  private readonly concurrency: number;
  private readonly callAttempts: number;
  private readonly retryBaseMs: number;
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
  }

  markUp(): void {
    this.down = null;
  }

  /** Groups messages into the provider's calls: same template, signature and parameters share a call. */
  planCalls(messages: readonly CloudOutgoingMessage[]): CloudSendCall[] {
    const groups = new Map<string, { ref: CloudTemplateRef; recipients: CloudRecipient[] }>();
    for (const m of messages) {
      if (!m.cloud) continue;
      const key = JSON.stringify([m.cloud.templateCode, m.cloud.signName, m.cloud.params]);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { ref: m.cloud, recipients: [] }));
      group.recipients.push({ messageId: m.id, phone: m.phone, params: m.cloud.params, paramNames: m.cloud.paramNames });
    }
    const calls: CloudSendCall[] = [];
    const singles = new Map<string, CloudRecipient[]>();
    const tag = (recipients: readonly CloudRecipient[]) => `q${recipients[0].messageId}`;
    for (const { ref, recipients } of groups.values()) {
      if (recipients.length === 1 && this.client.perNumberLimit > 1) {
        const key = JSON.stringify([ref.templateCode, ref.signName]);
        singles.set(key, [...(singles.get(key) ?? []), ...recipients]);
        continue;
      }
      for (const piece of inPieces(recipients, this.client.sameParamsLimit)) {
        calls.push({ templateCode: ref.templateCode, signName: ref.signName, recipients: piece, sameParams: true, callTag: tag(piece) });
      }
    }
    for (const [key, recipients] of singles) {
      const [templateCode, signName] = JSON.parse(key) as [string, string];
      for (const piece of inPieces(recipients, this.client.perNumberLimit)) {
        calls.push({ templateCode, signName, recipients: piece, sameParams: piece.length === 1, callTag: tag(piece) });
      }
    }
    return calls;
  }

  private async runCall(call: CloudSendCall): Promise<CloudOutcome[]> {
    const ids = call.recipients.map((r) => r.messageId);
    for (let attempt = 1; ; attempt++) {
      if (this.down) return ids.map((id) => ({ id, outcome: 'retry', code: this.down!.code.code, description: this.down!.message }));
      const sentAt = new Date();
      try {
        const results = await this.client.send(call);
        const phoneOf = new Map(call.recipients.map((r) => [r.messageId, r.phone]));
        return results.map((r): CloudOutcome => {
          if (!r.accepted) {
            // A per-number flow-control answer sends nothing for that number: it goes again later.
            const outcome = r.code.kind === 'throttle' || r.code.kind === 'temporary' ? 'retry' : 'rejected';
            return { id: r.messageId, outcome, code: r.code.code, description: r.description };
          }
          this.waiting.set(r.ref, { ref: r.ref, phone: phoneOf.get(r.messageId) ?? '', sentAt });
          return { id: r.messageId, outcome: 'accepted', carrierMessageId: r.ref };
        });
      } catch (err) {
        if (err instanceof CloudTimeoutError) return ids.map((id) => ({ id, outcome: 'unknown', callTag: call.callTag, sentAt }));
        if (!(err instanceof CloudCallError)) throw err;
        const { kind, code } = err.cloudCode;
        if (kind === 'account_down') {
          if (!this.down) {
            this.down = { code: err.cloudCode, message: err.message };
            await this.options.onAccountDown?.(err.cloudCode, err.message);
          }
          continue;
        }
        if (kind === 'permanent' && call.recipients.length > 1 && isNumberSpecific(err.cloudCode)) {
          const alone: CloudOutcome[] = [];
          for (const r of call.recipients) alone.push(...(await this.runCall({ ...call, recipients: [r], sameParams: true, callTag: `q${r.messageId}` })));
          return alone;
        }
        if (kind === 'permanent') return ids.map((id) => ({ id, outcome: 'rejected', code, description: err.message }));
        if (attempt >= this.callAttempts) return ids.map((id) => ({ id, outcome: 'retry', code, description: err.message }));
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
    const calls = this.planCalls(messages);
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const call = calls[next++];
        outcomes.push(...(await this.runCall(call)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, calls.length) }, worker));
    return outcomes;
  }

  /**
   * The current interface knows only accepted and rejected. Nothing accepted and something to retry: the whole
   * batch is retried later (a temporary error). Every answer lost: SUBMIT_UNKNOWN, never a resend (README).
   * Otherwise messages still to retry after the in-call retries are rejected with their code, and a lost answer
   * among received ones is looked up at once: found, accepted; else rejected as CLOUD:TIMEOUT.
   */
  async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    const outcomes = await this.submitDetailed(messages as readonly CloudOutgoingMessage[]);
    const unknown = outcomes.filter((o) => o.outcome === 'unknown').map((o) => o.id);
    if (unknown.length > 0 && outcomes.every((o) => o.outcome === 'unknown')) {
      throw new CarrierSubmitUnknownError(`${this.name}: no answer for ${unknown.length} message(s)`, unknown);
    }
    const retry = outcomes.filter((o) => o.outcome === 'retry');
    if (retry.length > 0 && outcomes.every((o) => o.outcome === 'retry')) {
      const first = retry[0] as { code: string; description: string };
      throw new CarrierTemporaryError(first.description, first.code);
    }
    // Some answers lost among others received: this interface cannot leave them open, so they are looked up now.
    const byId = new Map((messages as readonly CloudOutgoingMessage[]).map((m) => [m.id, m]));
    const lost = outcomes.flatMap((o) => (o.outcome === 'unknown' && byId.has(o.id) ? [{ message: byId.get(o.id)!, callTag: o.callTag, sentAt: o.sentAt }] : []));
    const found = new Map<number, string>();
    if (lost.length > 0) {
      const answers = await this.reconcile(lost).catch(() => []);
      for (const a of answers) if (a && 'accepted' in a && a.accepted) found.set(a.id, a.carrierMessageId);
    }
    return outcomes.map((o): SubmitResult => {
      if (o.outcome === 'accepted') return { id: o.id, accepted: true, carrierMessageId: o.carrierMessageId };
      if (o.outcome === 'unknown') {
        const ref = found.get(o.id);
        return ref ? { id: o.id, accepted: true, carrierMessageId: ref } : { id: o.id, accepted: false, code: CLOUD_TIMEOUT, description: 'no answer from the provider' };
      }
      return { id: o.id, accepted: false, code: o.code, description: o.description };
    });
  }

  /**
   * Looks up messages whose send got no answer. Found: accepted (and its receipt queued when there is one);
   * not found: never sent, so safe to send again; `null` when the provider cannot be asked.
   */
  async reconcile(messages: readonly { message: CloudOutgoingMessage; callTag: string; sentAt: Date }[]): Promise<(SubmitResult | { id: number; notSent: true } | null)[]> {
    const answers: (SubmitResult | { id: number; notSent: true } | null)[] = [];
    for (const { message, callTag, sentAt } of messages) {
      const recipient: CloudRecipient = { messageId: message.id, phone: message.phone, params: message.cloud?.params ?? [], paramNames: message.cloud?.paramNames };
      const found = await this.client.query(recipient, sentAt, callTag);
      if (found === 'unsupported') answers.push(null);
      else if (!found.found) answers.push({ id: message.id, notSent: true });
      else {
        if (found.receipt) this.bufferReceipts([found.receipt]);
        else this.waiting.set(found.ref, { ref: found.ref, phone: message.phone, sentAt });
        answers.push({ id: message.id, accepted: true, carrierMessageId: found.ref });
      }
    }
    return answers;
  }

  private bufferReceipts(receipts: readonly CloudReceipt[]): void {
    for (const r of receipts) {
      this.waiting.delete(r.ref);
      this.buffered.set(r.ref, { receiptId: r.ref, carrierMessageId: r.ref, delivered: r.delivered, code: r.code, description: r.description, reportedAt: r.reportedAt });
    }
  }

  /**
   * Receipts stay here until acknowledged, so a crash of the applying side repeats rather than loses them.
   * The provider is asked at most every pollMs, and about at most RECEIPT_ASK_MAX waiting messages at a time (the
   * ones asked about go to the back of the line), so a large send does not turn into a storm of queries.
   */
  async pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    // Asks while nothing waits (Tencent hands out receipts of sends we no longer remember) keep their own clock, so
    // an idle ask just before a send does not hold that send's receipts back for a whole interval.
    const busy = this.waiting.size > 0;
    const last = busy ? this.lastAskedAt : this.lastIdleAskAt;
    const due = Date.now() - last >= (this.options.pollMs ?? 0);
    if (this.buffered.size < limit && !this.down && due && (busy || !this.client.receiptsByRef)) {
      if (busy) this.lastAskedAt = Date.now();
      else this.lastIdleAskAt = Date.now();
      const asked = [...this.waiting.values()].slice(0, RECEIPT_ASK_MAX);
      for (const sent of asked) {
        this.waiting.delete(sent.ref);
        this.waiting.set(sent.ref, sent);
      }
      try {
        this.bufferReceipts(await this.client.pullReceipts(asked));
      } catch (err) {
        if (!(err instanceof CloudCallError || err instanceof CloudTimeoutError)) throw err;
      }
    }
    return [...this.buffered.values()].slice(0, limit);
  }

  async ackReceipts(receiptIds: readonly string[]): Promise<void> {
    for (const id of receiptIds) this.buffered.delete(id);
  }

  /** Replies from handsets, for recordInboundMessage (cloud-inbound.service.ts). */
  async pullReplies(): Promise<CloudReply[]> {
    if (this.down) return [];
    return this.client.pullReplies();
  }

  /** Messages still waiting for their receipt: what a per-message provider is asked about. */
  waitingCount(): number {
    return this.waiting.size;
  }
}
