import type { Knex } from 'knex';
import type { Logger } from '../log';
import { CarrierTemporaryError, type Carrier, type SubmitResult } from '../carrier/carrier';
import { SUBMIT_UNKNOWN, type UnansweredPolicy } from '../carrier/carrier';
import type { BatchMessage } from '../queries/dispatch-claims.queries';
import { deferMessages, failMessages, recordFinals, resubmitUnanswered, type AcceptedResult, type FinalResult } from '../queries/message-transitions.queries';
import { submittingIds } from '../queries/dispatch-carrier.queries';
import type { Settings } from './settings.service';
import { recordBatch, type BatchAnswers } from './dispatch-writes.service';

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
    const retryAt = retry.length ? new Date(ctx.now().getTime() + backoffMs(Math.min(...retry.map((m) => m.attempts)))).toISOString() : nowIso;
    await db.transaction(async (trx) => {
      if (exhausted.length) await failMessages(trx, taskId, exhausted, 'RETRY_EXHAUSTED', `${err.code}: ${err.message}`, nowIso);
      if (retry.length) await deferMessages(trx, taskId, retry.map((m) => m.id), retryAt);
    });
    logger.warn('carrier call failed; will retry', { task: taskId, code: err.code, retry: retry.length, failed: exhausted.length });
    return;
  }
  const accepted: AcceptedResult[] = [];
  const finals: FinalResult[] = [];
  const retryNow: number[] = [];
  const retryLater: number[] = [];
  for (const r of results) {
    if (r.accepted) accepted.push({ id: r.id, carrierMessageId: r.carrierMessageId, partIds: r.partIds });
    else if (r.outcome === 'retry') (r.code === NOT_SENT ? retryNow : retryLater).push(r.id);
    else finals.push({ id: r.id, status: r.outcome === 'unknown' ? ('unknown' as const) : ('rejected' as const), code: r.code, description: r.description });
  }
  const nowMs = ctx.now().getTime();
  let laterAt = '';
  if (retryLater.length) {
    // The attempts map only when something is retried later: most batches have nothing to retry.
    const attempts = new Map(batch.map((m) => [m.id, m.attempts]));
    laterAt = new Date(nowMs + backoffMs(Math.min(...retryLater.map((id) => attempts.get(id) ?? 1)))).toISOString();
  }
  const answers: BatchAnswers = { accepted, finals, retryNow, retryLater, laterAt, nowIso: new Date(nowMs).toISOString() };
  await recordBatch(db, taskId, answers);
  if (retryNow.length + retryLater.length) logger.info('carrier gave messages back to retry', { task: taskId, notSent: retryNow.length, later: retryLater.length });
}

const UNANSWERED_CHUNK = 500;

/**
 * Messages a run left `submitting` (it ended before recording the carrier's answer: a killed process, a failed
 * write). With an idempotent carrier, or an account that chose at-least-once, they go back to pending and are sent
 * again under the same id; otherwise the carrier may have them and cannot tell, so they end `unknown`
 * (SUBMIT_UNKNOWN) and are never sent twice. Returns how many were settled.
 */
export async function settleUnanswered(db: Knex, taskId: string, policy: UnansweredPolicy, nowIso: string): Promise<number> {
  if (policy === 'resubmit') return db.transaction((trx) => resubmitUnanswered(trx, taskId));
  const ids = await submittingIds(db, taskId);
  const description = 'the run sending it ended before the carrier answered; not sent again, to avoid a duplicate';
  for (let from = 0; from < ids.length; from += UNANSWERED_CHUNK) {
    const finals = ids.slice(from, from + UNANSWERED_CHUNK).map((id) => ({ id, status: 'unknown' as const, code: SUBMIT_UNKNOWN, description }));
    await db.transaction((trx) => recordFinals(trx, taskId, finals, nowIso));
  }
  return ids.length;
}
