/**
 * How an SMPP account's messages go out: a queue of messages pumped into the session's window as the pacer and the
 * window allow, each answer handled as it comes. It is driven by callbacks, with no promise, closure or timer per
 * submit: one promise a batch, and the pump runs again from each answer (at tens of thousands of submits a second,
 * the five promises a message of the async version were a good part of the connector's CPU; README "SMPP suite").
 *
 * The rules are the connector's (`smpp.carrier.ts`): a message's parts go in order, each after the answer of the one
 * before; throttling pauses the account and retries, never a failure; temporary statuses are retried a few times;
 * a part refused refuses its message; an answer lost after a part was accepted makes the message unknown.
 */
import type { PDU } from 'smpp';
import type { OutgoingMessage, SubmitResult } from './carrier';
import { SUBMIT_UNKNOWN } from './carrier';
import { classifySmppStatus } from './smpp-errors';
import { normaliseMessageId } from './smpp-receipt';
import type { SendPacer } from './send-pacer';
import type { SmppSession, SubmitUnanswered } from './smpp-session';

export interface SubmitterRules {
  /** The submit_sm fields of each part of a message, in order, addresses included; an Error: its text cannot go. */
  parts(message: OutgoingMessage): Record<string, unknown>[] | Error;
  /** How a message id from a submit_sm_resp is kept (the account's receipt id format). */
  messageId(id: string): string;
  /** At-least-once: a message whose answer was lost goes back to be sent again instead of ending unknown. */
  resubmitUnanswered: boolean;
  /** How long throttle answers may keep one part waiting before it goes back to the dispatcher (unsent). */
  throttleGiveUpMs: number;
}

/** One message on its way: which part is next, the ids of those accepted. */
interface Job {
  message: OutgoingMessage;
  parts: Record<string, unknown>[];
  next: number;
  ids: string[];
  throttleGiveUpAt: number;
  temporaryTries: number;
  /** The pacer's slot this part holds (performance.now() clock), or -1: none yet (queued during a pause). */
  slotAt: number;
  batch: Batch;
  index: number;
}

interface Batch {
  results: SubmitResult[];
  left: number;
  resolve: (results: SubmitResult[]) => void;
}

const TEMPORARY_TRIES = 3;
const TEMPORARY_BASE_MS = 200;

export class SmppSubmitter {
  /** Parts to send, in order; `head` is the next one (the array is compacted when it has been read through). */
  private queue: Job[] = [];
  private head = 0;
  private pumping = false;
  private pacerTimer: NodeJS.Timeout | null = null;
  /** Waiting for the account's shared bucket (several instances, issue 13) to pay for the next submits. */
  private sharedWait = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly session: SmppSession,
    private readonly pacer: SendPacer,
    private readonly rules: SubmitterRules,
  ) {}

  /** One answer per message, in the order given, once every part of every message is settled. */
  submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    return new Promise((resolve) => {
      const batch: Batch = { results: new Array<SubmitResult>(messages.length), left: messages.length, resolve };
      if (messages.length === 0) return resolve([]);
      // The queue keeps growing while batches are pipelined: what has been read is dropped now and then.
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        const parts = this.rules.parts(m);
        if (parts instanceof Error || parts.length === 0) {
          const description = parts instanceof Error ? parts.message : 'the message has no text to send';
          this.settle({ message: m, batch, index: i } as Job, { id: m.id, accepted: false, code: 'INVALID_TEXT', description, outcome: 'rejected' });
          continue;
        }
        this.enqueue({ message: m, parts, next: 0, ids: [], throttleGiveUpAt: 0, temporaryTries: 0, slotAt: -1, batch, index: i });
      }
      this.pump();
    });
  }

  /** No new submit starts: what is queued is given back unsent; the answers of the outstanding are still handled. */
  stop(): void {
    this.stopping = true;
    if (this.pacerTimer) clearTimeout(this.pacerTimer);
    this.pacerTimer = null;
    this.sharedWait = false;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.pump();
  }

  private pump(): void {
    if (this.pumping || this.pacerTimer || this.sharedWait) return;
    this.pumping = true;
    try {
      while (this.head < this.queue.length) {
        if (this.stopping) return this.giveBackQueued('the connector is stopping');
        if (!this.session.up) return this.giveBackQueued(this.session.lastError ?? 'not bound');
        if (!this.session.canSubmit) return; // the next answer pumps again
        const next = this.queue[this.head];
        if (next.slotAt < 0) {
          const paused = this.pacer.pausedFor();
          if (paused > 0) return this.pumpAfter(paused);
          next.slotAt = this.pacer.takeSlot();
        }
        const wait = this.pacer.waitFor(next.slotAt);
        if (wait > 0) return this.pumpAfter(wait);
        if (!this.pacer.takeShared()) return this.pumpAfterShared();
        const job = this.queue[this.head++];
        if (job.throttleGiveUpAt === 0) job.throttleGiveUpAt = Date.now() + this.rules.throttleGiveUpMs;
        this.session.submitNow(job.parts[job.next], job, this.onAnswer);
      }
      this.queue.length = 0;
      this.head = 0;
    } finally {
      this.pumping = false;
    }
  }

  private pumpAfter(ms: number): void {
    this.pacerTimer = setTimeout(this.afterPacerWait, ms);
  }

  private pumpAfterShared(): void {
    this.sharedWait = true;
    void this.pacer.refillShared().then(this.afterSharedWait);
  }

  private readonly afterSharedWait = () => {
    this.sharedWait = false;
    this.pump();
  };

  private readonly afterPacerWait = () => {
    this.pacerTimer = null;
    this.pump();
  };

  /** Every queued message ends unsent (retried later by the dispatcher), or unknown if earlier parts were taken. */
  private giveBackQueued(reason: string): void {
    const queued = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const job of queued) this.unanswered(job, false, reason);
  }

  private readonly onAnswer = (job: Job, resp: PDU | null, unanswered: SubmitUnanswered | null) => {
    if (resp) this.answered(job, resp);
    else this.unanswered(job, unanswered?.written ?? true, unanswered?.message ?? 'no answer');
    if (!this.pumping) this.pump();
  };

  private answered(job: Job, resp: PDU): void {
    const status = resp.command_status;
    if (status === 0) {
      this.pacer.accepted();
      const id = normaliseMessageId(String(resp.message_id ?? ''), 'as-is');
      if (!id) return this.settle(job, { id: job.message.id, accepted: false, code: 'NO_MESSAGE_ID', description: 'the SMSC accepted the part without a message id', outcome: 'rejected' });
      job.ids.push(this.rules.messageId(id));
      job.next += 1;
      job.throttleGiveUpAt = 0;
      job.temporaryTries = 0;
      if (job.next < job.parts.length) return this.enqueue(job);
      const ids = job.ids;
      return this.settle(job, { id: job.message.id, accepted: true, carrierMessageId: ids[0], partIds: ids.length > 1 ? ids : undefined });
    }
    const verdict = classifySmppStatus(status);
    const description = verdict.name ?? 'SMSC status';
    if (verdict.kind === 'throttle') {
      this.pacer.throttled();
      if (Date.now() < job.throttleGiveUpAt) return this.enqueue(job);
      return this.notTaken(job, verdict.code, description);
    }
    if (verdict.kind === 'temporary') {
      job.temporaryTries += 1;
      if (job.temporaryTries < TEMPORARY_TRIES) {
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.enqueue(job);
          this.pump();
        }, TEMPORARY_BASE_MS * 2 ** job.temporaryTries);
        this.retryTimers.add(timer);
        return;
      }
      return this.notTaken(job, verdict.code, description);
    }
    this.settle(job, { id: job.message.id, accepted: false, code: verdict.code, description, outcome: 'rejected' });
  }

  /** A part refused for now (throttled or temporary too long): retried later, unless earlier parts were taken. */
  private notTaken(job: Job, code: string, description: string): void {
    if (job.ids.length === 0 || this.rules.resubmitUnanswered) return this.settle(job, { id: job.message.id, accepted: false, code, description, outcome: 'retry' });
    const reason = `part ${job.ids.length + 1} of ${job.parts.length} refused (${code}) after earlier parts were accepted`;
    this.settle(job, { id: job.message.id, accepted: false, code: SUBMIT_UNKNOWN, description: reason, outcome: 'unknown' });
  }

  /** No answer: never written (or at-least-once) goes back to be sent again; written may be at the SMSC, so unknown. */
  private unanswered(job: Job, written: boolean, reason: string): void {
    if ((job.ids.length === 0 && !written) || this.rules.resubmitUnanswered) {
      return this.settle(job, { id: job.message.id, accepted: false, code: 'NOT_SENT', description: reason, outcome: 'retry' });
    }
    this.settle(job, { id: job.message.id, accepted: false, code: SUBMIT_UNKNOWN, description: reason, outcome: 'unknown' });
  }

  /**
   * Queued, with the pacer's next slot taken now, as every submit of the connector always did: a submit whose slot
   * was taken before a throttle answer still goes at its slot, and only those queued during the pause wait for its
   * end. So the submits in flight when throttling starts all meet it within the first pause and their retries go
   * after one (doubled) pause, instead of one probe per pause. A message's next part, or a part throttled, goes
   * behind what is queued.
   */
  private enqueue(job: Job): void {
    job.slotAt = this.pacer.pausedFor() > 0 ? -1 : this.pacer.takeSlot();
    this.queue.push(job);
  }

  private settle(job: Job, result: SubmitResult): void {
    const batch = job.batch;
    batch.results[job.index] = result;
    batch.left -= 1;
    if (batch.left === 0) batch.resolve(batch.results);
  }
}
