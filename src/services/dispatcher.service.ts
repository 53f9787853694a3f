import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from '../log';
import { CarrierTemporaryError, type Carrier, type SubmitResult } from '../carrier/carrier';
import {
  claimDueTask,
  deferBatch,
  earliestRetry,
  failMessages,
  finishIfDone,
  otherTaskDue,
  recordBatchResults,
  releaseLease,
  takeBatch,
  type BatchMessage,
} from '../queries/dispatch.queries';
import type { Settings } from './settings.service';
import { applyReceipts } from './delivery-receipts.service';
import { adoptOrphanReceipts } from '../queries/delivery-receipts.queries';

export interface DispatcherOptions {
  leaseMs: number;
  /** Longest wait for one carrier call; a call that takes longer counts as a temporary failure. */
  submitTimeoutMs?: number;
  /** Clock, replaceable in tests (DST, lateness). */
  now?: () => Date;
  /** How long one task is sent before the dispatcher looks whether another is due (default SLICE_MS). */
  sliceMs?: number;
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
const BACKOFF_MAX_MS = 60_000;
/**
 * A task is sent for this long, then handed back if another task is due, so one huge task (1,000,000 messages take
 * about 45 s) does not hold back the tasks that come due meanwhile; they are claimed first, and it resumes after.
 */
const SLICE_MS = 2000;

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CarrierTemporaryError(`no answer within ${ms} ms`, 'TIMEOUT')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

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
  private lastSubmitAt = 0;
  private lastReceiptPullAt = 0;

  constructor(
    private readonly db: Knex,
    private readonly carrier: Carrier,
    private readonly settings: () => Promise<Settings>,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  private now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  private leaseUntil(): string {
    return new Date(this.now().getTime() + this.options.leaseMs).toISOString();
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
    return applyReceipts(this.db, this.carrier, this.logger, budgetMs);
  }

  private async dispatchOne(): Promise<boolean> {
    const claimed = await claimDueTask(this.db, this.owner, this.now().toISOString(), this.leaseUntil());
    if (!claimed) return false;
    const lateMs = this.now().getTime() - Date.parse(claimed.sendAt);
    this.logger.info('dispatch started', { task: claimed.id, lateMs, resumed: Boolean(claimed.startedAt && claimed.startedAt < this.now().toISOString()) });
    try {
      await this.sendTask(claimed.id);
    } catch (err) {
      this.logger.error('dispatch of a task failed; it will be resumed', { task: claimed.id, error: (err as Error).message });
      // Handed over after a pause, not at once: the loop in tick() would re-claim it straight away, and an error that
      // persists (a broken adapter, a full disk) would spin there forever, starving the other tasks and the process.
      const retryAt = new Date(this.now().getTime() + BACKOFF_BASE_MS).toISOString();
      await releaseLease(this.db, claimed.id, this.owner, retryAt).catch(() => undefined);
    }
    return true;
  }

  private async sendTask(taskId: string): Promise<void> {
    let sliceStart = this.now().getTime();
    for (;;) {
      // better-sqlite3 answers synchronously, so without a turn of the event loop per batch a whole task would be sent
      // in one go: HTTP requests, the ticker and SIGTERM (which must stop after the batch in flight) would all wait.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopping) {
        await releaseLease(this.db, taskId, this.owner);
        return;
      }
      if (Date.now() - this.lastReceiptPullAt >= RECEIPT_INTERVAL_MS) await this.pullReceipts(RECEIPT_SLICE_BUDGET_MS);
      const s = await this.settings();
      const batch = await takeBatch(this.db, taskId, this.owner, s.dispatchBatchSize, this.now().toISOString(), this.leaseUntil());
      if (batch === null) return; // stopped or taken over
      if (batch.length > 0) {
        await this.submit(taskId, batch, s);
        if (this.now().getTime() - sliceStart >= (this.options.sliceMs ?? SLICE_MS)) {
          const nowIso = this.now().toISOString();
          if (await otherTaskDue(this.db, taskId, nowIso)) {
            // Claimable again at once (by this process after the others, or by another process).
            await releaseLease(this.db, taskId, this.owner, nowIso);
            this.logger.info('dispatch paused for another due task', { task: taskId });
            return;
          }
          sliceStart = this.now().getTime();
        }
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
  }

  private async throttle(count: number, perSecond: number): Promise<void> {
    if (perSecond <= 0) return;
    const spacing = (count / perSecond) * 1000;
    const waitFor = () => this.lastSubmitAt + spacing - Date.now();
    // The wait is idle time: receipts due meanwhile are applied in it (the budget is checked between groups of 500).
    if (waitFor() >= RECEIPT_MIN_WAIT_MS) await this.pullReceipts(waitFor() * 0.8);
    const wait = waitFor();
    if (wait > 0) await sleep(wait);
    this.lastSubmitAt = Date.now();
  }

  private async submit(taskId: string, batch: BatchMessage[], s: Settings): Promise<void> {
    await this.throttle(batch.length, s.carrierRatePerSecond);
    let results: SubmitResult[];
    try {
      results = await withTimeout(
        this.carrier.submitBatch(batch.map((m) => ({ id: m.id, phone: m.phone, content: m.content }))),
        this.options.submitTimeoutMs ?? 30_000,
      );
    } catch (err) {
      if (!(err instanceof CarrierTemporaryError)) throw err;
      const exhausted = batch.filter((m) => m.attempts >= s.maxAttempts).map((m) => m.id);
      const retry = batch.filter((m) => m.attempts < s.maxAttempts);
      const nowIso = this.now().toISOString();
      if (exhausted.length) await failMessages(this.db, taskId, exhausted, 'RETRY_EXHAUSTED', `${err.code}: ${err.message}`, nowIso);
      if (retry.length) {
        const delay = backoffMs(Math.min(...retry.map((m) => m.attempts)));
        await deferBatch(this.db, taskId, retry.map((m) => m.id), new Date(this.now().getTime() + delay).toISOString());
      }
      this.logger.warn('carrier call failed; will retry', { task: taskId, code: err.code, retry: retry.length, failed: exhausted.length });
      return;
    }
    const accepted = [];
    const finals = [];
    const retry: number[] = [];
    for (const r of results) {
      if (r.accepted) accepted.push({ id: r.id, carrierMessageId: r.carrierMessageId, partIds: r.partIds });
      else if (r.outcome === 'retry') retry.push(r.id);
      else finals.push({ id: r.id, status: r.outcome === 'unknown' ? ('unknown' as const) : ('rejected' as const), code: r.code, description: r.description });
    }
    await recordBatchResults(this.db, taskId, accepted, finals, this.now().toISOString());
    if (retry.length) await deferBatch(this.db, taskId, retry, new Date(this.now().getTime() + BACKOFF_BASE_MS).toISOString());
    await adoptOrphanReceipts(this.db, accepted.flatMap((a) => a.partIds ?? [a.carrierMessageId]), this.now().toISOString());
  }
}
