import type { Knex } from 'knex';
import type { Logger } from '../log';
import { CarrierTemporaryError, type Carrier, type SubmitResult } from '../carrier/carrier';
import { deferBatch, failMessages, recordBatchResults, type BatchMessage } from '../queries/dispatch.queries';
import { adoptOrphanReceipts } from '../queries/delivery-receipts.queries';
import type { Settings } from './settings.service';

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 60_000;
/** A carrier's `retry` for a message it never wrote (its link went down): the task's wait for the carrier paces it. */
const NOT_SENT = 'NOT_SENT';

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CarrierTemporaryError(`no answer within ${ms} ms`, 'TIMEOUT')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

export interface SubmitContext {
  db: Knex;
  logger: Logger;
  now: () => Date;
  submitTimeoutMs?: number;
}

/**
 * One batch: the carrier call, outside any transaction, then its answers recorded set-based in one transaction.
 * A temporary error of the whole call defers the batch with back-off (failed once attempts run out). A carrier that
 * bounds its own calls (SMPP) gets no timeout here: cutting its call short would put messages it may still be
 * submitting back to pending, and send them twice.
 */
export async function submitAndRecord(ctx: SubmitContext, taskId: string, carrier: Carrier, batch: readonly BatchMessage[], s: Settings): Promise<void> {
  const { db, logger } = ctx;
  let results: SubmitResult[];
  try {
    // A BatchMessage is an OutgoingMessage (and more): handed over as it is, not copied message by message.
    const call = carrier.submitBatch(batch);
    results = carrier.selfTimed ? await call : await withTimeout(call, ctx.submitTimeoutMs ?? 30_000);
  } catch (err) {
    if (!(err instanceof CarrierTemporaryError)) throw err;
    const exhausted = batch.filter((m) => m.attempts >= s.maxAttempts).map((m) => m.id);
    const retry = batch.filter((m) => m.attempts < s.maxAttempts);
    const nowIso = ctx.now().toISOString();
    if (exhausted.length) await failMessages(db, taskId, exhausted, 'RETRY_EXHAUSTED', `${err.code}: ${err.message}`, nowIso);
    if (retry.length) {
      const delay = backoffMs(Math.min(...retry.map((m) => m.attempts)));
      await deferBatch(db, taskId, retry.map((m) => m.id), new Date(ctx.now().getTime() + delay).toISOString());
    }
    logger.warn('carrier call failed; will retry', { task: taskId, code: err.code, retry: retry.length, failed: exhausted.length });
    return;
  }
  const accepted = [];
  const finals = [];
  const retryNow: number[] = [];
  const retryLater: number[] = [];
  for (const r of results) {
    if (r.accepted) accepted.push({ id: r.id, carrierMessageId: r.carrierMessageId, partIds: r.partIds });
    else if (r.outcome === 'retry') (r.code === NOT_SENT ? retryNow : retryLater).push(r.id);
    else finals.push({ id: r.id, status: r.outcome === 'unknown' ? ('unknown' as const) : ('rejected' as const), code: r.code, description: r.description });
  }
  const nowMs = ctx.now().getTime();
  await recordBatchResults(db, taskId, accepted, finals, new Date(nowMs).toISOString());
  if (retryNow.length) await deferBatch(db, taskId, retryNow, new Date(nowMs).toISOString());
  if (retryLater.length) {
    const attempts = new Map(batch.map((m) => [m.id, m.attempts]));
    const delay = backoffMs(Math.min(...retryLater.map((id) => attempts.get(id) ?? 1)));
    await deferBatch(db, taskId, retryLater, new Date(nowMs + delay).toISOString());
  }
  if (retryNow.length + retryLater.length) logger.info('carrier gave messages back to retry', { task: taskId, notSent: retryNow.length, later: retryLater.length });
  await adoptOrphanReceipts(db, accepted.flatMap((a) => a.partIds ?? [a.carrierMessageId]), ctx.now().toISOString());
}
