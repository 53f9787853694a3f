import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from '../log';
import { isCarrierSet, singleCarrierSet, type Carrier, type CarrierSet } from '../carrier/carrier';
import { earliestRetry } from '../queries/dispatch.queries';
import { takeTokens } from '../queries/carrier-rate-buckets.queries';
import { claimDueTask, finishIfDone, otherTaskDue, releaseLease, renewLease, type BatchMessage } from '../queries/dispatch-claims.queries';
import { takeNextBatch } from './dispatch-writes.service';
import { stopWaitingForCarrier, waitForCarrier } from '../queries/dispatch-carrier.queries';
import type { Settings } from './settings.service';
import { applyReceipts } from './delivery-receipts.service';
import { applySendRules, holdForQuietHours, rulesApplyTo } from './send-rules.service';
import { taskSmsType } from '../queries/send-rules.queries';
import { backoffMs, settleUnanswered, submitAndRecord } from './dispatch-submit.service';

export { backoffMs };

export interface DispatcherOptions {
  leaseMs: number;
  /** Longest wait for one carrier call; a call that takes longer counts as a temporary failure. */
  submitTimeoutMs?: number;
  /** Clock, replaceable in tests (DST, lateness, a box whose clock runs fast). Leases never read it: they run on the database's clock. */
  now?: () => Date;
  /** How long one task is sent before the dispatcher looks whether another is due (default SLICE_MS). */
  sliceMs?: number;
  /** How long a task whose carrier is down waits before it is tried again (default CARRIER_WAIT_MS). */
  carrierWaitMs?: number;
}

const BACKOFF_BASE_MS = 1000;
/** Longest a tick spends applying receipts before it looks for due tasks again. */
const RECEIPT_BUDGET_MS = 1500;
/**
 * While a task sends, receipts that came due are applied between its batches, or they would wait until the whole task
 * is handed over (minutes for a big rate-limited task) and the details page would show nothing delivered meanwhile.
 * A rate-limited send waits before each batch anyway: receipts are applied in that wait, at no cost to the rate
 * (one batch at the carrier's rate takes about 1 s, and the promise is that no receipt waits more than 3 s after it
 * is due). A send with no limit has no such wait: it stops for receipts at least every RECEIPT_INTERVAL_MS, for at
 * most RECEIPT_SLICE_BUDGET_MS, so they cost it at most about a tenth of its speed (and may fall behind meanwhile).
 */
export const RECEIPT_INTERVAL_MS = 1000;
const RECEIPT_SLICE_BUDGET_MS = 100;
/** A wait shorter than this before a batch is slept, not used for receipts: a pull has a fixed cost of its own. */
const RECEIPT_MIN_WAIT_MS = 50;
/**
 * A task is sent for this long, then handed back if another task is due, so one huge task (1,000,000 messages take
 * about 45 s) does not hold back the tasks that come due meanwhile; they are claimed first, and it resumes after.
 */
const SLICE_MS = 2000;
/**
 * Batches a pipelined carrier (SMPP) may have out at once. Two leave the window empty whenever recording one batch
 * and taking the next outlasts the other's sending (at 200 a batch and several thousand messages/s, about 20 ms);
 * three keep it full. A process killed mid-send leaves at most this many batches `unknown`.
 */
const PIPELINE_DEPTH = 3;
/** A task whose carrier account (and fallback) is down is looked at again this often. */
const CARRIER_WAIT_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends due tasks to the carrier. The database is the queue: a tick claims a task with a lease, sends its
 * messages batch by batch (mark `submitting` and commit, call the carrier outside any transaction, record
 * the answers), and completes it. Nothing that matters lives in memory, so a killed process loses nothing:
 * its lease expires and the next claimant resubmits the `submitting` messages under the same ids.
 */
export class Dispatcher {
  readonly owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  private running: Promise<void> | null = null;
  private again = false;
  private stopping = false;
  private lastReceiptPullAt = 0;
  readonly carriers: CarrierSet;

  constructor(
    private readonly db: Knex,
    carriers: Carrier | CarrierSet,
    private readonly settings: () => Promise<Settings>,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.carriers = isCarrierSet(carriers) ? carriers : singleCarrierSet(carriers);
  }

  private now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  /** One tick: a tick still running makes this call join it (and run once more after), never overlap. */
  tick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    return this.run(() => this.fullTick());
  }

  /**
   * Between ticks: applies the receipts that came due, unless a tick is running (it applies them itself, between
   * batches). Shares the tick's guard, so the two never overlap; a tick asked for meanwhile runs right after.
   */
  applyDueReceipts(): Promise<void> {
    if (this.stopping || this.running) return this.running ?? Promise.resolve();
    return this.run(async () => {
      await this.refreshCarriers();
      await this.pullReceipts(RECEIPT_BUDGET_MS);
    });
  }

  private run(first: () => Promise<void>): Promise<void> {
    this.running = (async () => {
      try {
        this.again = false;
        await first();
        while (this.again && !this.stopping) {
          this.again = false;
          await this.fullTick();
        }
      } catch (err) {
        this.logger.error('dispatch tick failed', { error: (err as Error).message });
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async fullTick(): Promise<void> {
    await this.refreshCarriers();
    // Receipts for a bounded time only: a flood of them must not hold back a task that is due (the promise
    // is a start within 10 s of its time); what is left is applied at the next tick.
    await this.pullReceipts(RECEIPT_BUDGET_MS);
    while (!this.stopping && (await this.dispatchOne())) {
      /* keep claiming while tasks are due */
    }
  }

  /** Called after a confirm: a send-now task starts at once instead of at the next tick. */
  wake(): void {
    void this.tick();
  }

  /** Stops claiming; the batch in flight finishes (bounded by the caller's timeout) and its task is handed over. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.running) await this.running;
  }

  async pullReceipts(budgetMs = Infinity): Promise<number> {
    this.lastReceiptPullAt = Date.now();
    const started = Date.now();
    let total = 0;
    for (const source of this.carriers.receiptSources()) {
      total += await applyReceipts(this.db, source, this.logger, Math.max(0, budgetMs - (Date.now() - started)));
    }
    return total;
  }

  /** Accounts created, edited or disabled since the last look get their carrier (re)built; errors are the set's own. */
  private async refreshCarriers(): Promise<void> {
    await this.carriers.refresh?.();
  }

  private async dispatchOne(): Promise<boolean> {
    const claimed = await claimDueTask(this.db, this.owner, this.now().toISOString(), this.options.leaseMs);
    if (!claimed) return false;
    const lateMs = this.now().getTime() - Date.parse(claimed.sendAt);
    this.logger.info('dispatch started', { task: claimed.id, lateMs, resumed: Boolean(claimed.startedAt && claimed.startedAt < this.now().toISOString()) });
    try {
      const carrier = await this.carriers.forTask(claimed.id);
      if (!carrier) {
        await this.waitForCarrier(claimed.id);
      } else {
        // What a run before this one left at the carrier unanswered is settled first, by the carrier's policy.
        await settleUnanswered(this.db, claimed.id, carrier.unanswered ?? 'resubmit', this.now().toISOString());
        await this.sendTask(claimed.id, carrier);
      }
    } catch (err) {
      this.logger.error('dispatch of a task failed; it will be resumed', { task: claimed.id, error: (err as Error).message });
      // Handed over after a pause, not at once: the loop in tick() would re-claim it straight away, and an error that
      // persists (a broken adapter, a full disk) would spin there forever, starving the other tasks and the process.
      await releaseLease(this.db, claimed.id, this.owner, BACKOFF_BASE_MS).catch(() => undefined);
    }
    return true;
  }

  private async waitForCarrier(taskId: string): Promise<void> {
    await waitForCarrier(this.db, taskId, this.owner, this.now().toISOString(), this.options.carrierWaitMs ?? CARRIER_WAIT_MS);
    this.logger.info('dispatch waits for its carrier', { task: taskId });
  }

  /**
   * Sends the task batch by batch. A pipelined carrier (SMPP) gets the next batch while the previous one is still
   * being answered, so its window never drains at a batch boundary; at most PIPELINE_DEPTH batches are out at once,
   * and all are recorded before the task is handed over, finished or left waiting for its carrier.
   */
  private async sendTask(taskId: string, firstCarrier: Carrier): Promise<void> {
    let carrier = firstCarrier;
    await stopWaitingForCarrier(this.db, taskId);
    let sliceStart = this.now().getTime();
    // A task's SMS type never changes: read once, it spares a transactional task the send rules' two reads a batch
    // (quiet hours hold marketing only; the opt-outs and caps skip exempt types).
    const smsType = await taskSmsType(this.db, taskId);
    const inFlight: Promise<void>[] = [];
    /** Waits until at most `keep` batches are out, oldest first (so an error is the oldest batch's). */
    const drain = async (keep = 0) => {
      while (inFlight.length > keep) await inFlight.shift();
    };
    // A slow account (a low tps) can keep batches out longer than the lease: it is renewed while any is out, or
    // another process would take the task over and settle them. Every hand-over drains first, so none is renewed after.
    const renewal = setInterval(() => {
      if (inFlight.length === 0) return;
      renewLease(this.db, taskId, this.owner, this.options.leaseMs).catch((err) => this.logger.warn('lease renewal failed', { task: taskId, error: (err as Error).message }));
    }, Math.max(1000, this.options.leaseMs / 3));
    renewal.unref();
    try {
      for (;;) {
        // better-sqlite3 answers synchronously, so without a turn of the event loop per batch a whole task would be sent
        // in one go: HTTP requests, the ticker and SIGTERM (which must stop after the batch in flight) would all wait.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopping) {
          await drain();
          await releaseLease(this.db, taskId, this.owner);
          return;
        }
        if (carrier.available?.() === false) {
          await drain();
          const other = await this.carriers.forTask(taskId);
          if (!other) return await this.waitForCarrier(taskId);
          carrier = other;
        }
        if (Date.now() - this.lastReceiptPullAt >= RECEIPT_INTERVAL_MS) await this.pullReceipts(RECEIPT_SLICE_BUDGET_MS);
        const s = await this.settings();
        // Issue 14: a marketing task inside quiet hours hands its lease back until they end, once the batches still
        // out are recorded (so the lease renewal cannot undo the pause).
        if (smsType === 'marketing' && (await holdForQuietHours(this.db, taskId, this.owner, s, this.now(), drain))) return;
        const batch = await takeNextBatch(this.db, taskId, this.owner, s.dispatchBatchSize, this.now().toISOString(), this.options.leaseMs);
        if (batch === null) return await drain(); // stopped or taken over
        // Issue 14: opted out or capped since the confirm → suppressed / capped, never handed to the carrier.
        const sendable = batch.length > 0 && smsType !== undefined && rulesApplyTo(smsType, s.sendRules) ? await applySendRules(this.db, taskId, batch, s, this.now()) : batch;
        if (batch.length > 0 && sendable.length === 0) continue;
        if (sendable.length > 0) {
          const sending = this.submit(taskId, carrier, sendable, s);
          if (carrier.pipelined) {
            // Its error, if any, is thrown when drain() reaches it.
            sending.catch(() => undefined);
            inFlight.push(sending);
            await drain(PIPELINE_DEPTH - 1);
          } else {
            await sending;
          }
          if (this.now().getTime() - sliceStart >= (this.options.sliceMs ?? SLICE_MS)) {
            const nowIso = this.now().toISOString();
            if (await otherTaskDue(this.db, taskId, nowIso)) {
              await drain();
              // Claimable again at once (by this process after the others, or by another process).
              await releaseLease(this.db, taskId, this.owner);
              this.logger.info('dispatch paused for another due task', { task: taskId });
              return;
            }
            sliceStart = this.now().getTime();
          }
          continue;
        }
        if (inFlight.length > 0) {
          await drain();
          continue;
        }
        if (await finishIfDone(this.db, taskId, this.owner, this.now().toISOString())) {
          this.logger.info('dispatch completed', { task: taskId });
          return;
        }
        // Only messages waiting for their back-off remain: wait for the earliest, keeping the lease fresh.
        const next = await earliestRetry(this.db, taskId);
        const wait = next ? Math.min(1000, Math.max(10, Date.parse(next) - this.now().getTime())) : 10;
        await sleep(wait);
      }
    } finally {
      clearInterval(renewal);
      // An error leaves the loop: the batch still out is recorded before the task is handed over (its error, if any,
      // is the one already thrown or logged).
      await Promise.allSettled(inFlight);
    }
  }

  /**
   * The messages-per-second limit, held across every instance (issue 13): the batch takes its tokens from the
   * carrier's bucket in the database, which answers how long it waits (a burst of one batch, then one batch every
   * count / perSecond seconds, whichever instance sends it).
   */
  private async throttle(carrier: Carrier, count: number, perSecond: number): Promise<void> {
    if (perSecond <= 0) return;
    const sendAt = Date.now() + (await takeTokens(this.db, `carrier:${carrier.name}`, count, perSecond, count));
    const waitFor = () => sendAt - Date.now();
    // The wait is idle time: receipts due meanwhile are applied in it (the budget is checked between groups of 500).
    if (waitFor() >= RECEIPT_MIN_WAIT_MS) await this.pullReceipts(waitFor() * 0.8);
    const wait = waitFor();
    if (wait > 0) await sleep(wait);
  }

  private async submit(taskId: string, carrier: Carrier, batch: BatchMessage[], s: Settings): Promise<void> {
    await this.throttle(carrier, batch.length, s.carrierRatePerSecond);
    await submitAndRecord({ db: this.db, logger: this.logger, now: () => this.now(), submitTimeoutMs: this.options.submitTimeoutMs }, taskId, carrier, batch, s);
  }
}
