/**
 * The dispatcher's two writes per batch, taking it and recording the carrier's answers (issue 10). On SQLite the
 * common cases run as one synchronous transaction of prepared statements on the write connection: a knex transaction
 * and its queries cost about as much CPU as the statements they run, and at SMPP speed (tens of thousands of
 * messages a second) that was a third of the connector's CPU. They are the same statements, from the same query
 * modules (`…On` beside each knex version). Anything else goes through knex: PostgreSQL; a batch with refusals or
 * retries; a receipt waiting for one of the batch's acceptances (adopted in the answers' transaction); another
 * process holding SQLite's write lock (knex's BEGIN waits for it without blocking the event loop).
 */
import type { Knex } from 'knex';
import { isSqlite } from '../db/dialect';
import { immediateOnPool, LOCK_BUSY } from '../db/sqlite-transactions';
import { takeBatch, takeBatchOn, type BatchMessage } from '../queries/dispatch-claims.queries';
import { deferMessages, recordAcceptedOn, recordBatchResults, type AcceptedResult, type FinalResult } from '../queries/message-transitions.queries';
import { adoptOrphanReceipts, anyOrphanReceiptOn } from '../queries/delivery-receipts.queries';

/** A batch's answers, as sorted from the carrier's results (dispatch-submit.service.ts). */
export interface BatchAnswers {
  accepted: AcceptedResult[];
  finals: FinalResult[];
  /** Given back unsent (NOT_SENT): pending again at once. */
  retryNow: number[];
  /** Refused for now: pending again at `laterAt`. */
  retryLater: number[];
  laterAt: string;
  nowIso: string;
}

/**
 * The task's next batch of pending messages, marked `submitting` with the lease renewed, committed before the
 * carrier is called; null when the lease is no longer ours (takeBatch, without messages left `submitting`: the run
 * settled those first).
 */
export async function takeNextBatch(db: Knex, taskId: string, owner: string, size: number, nowIso: string, leaseMs: number): Promise<BatchMessage[] | null> {
  if (isSqlite(db)) {
    const taken = await immediateOnPool(db, (conn) => takeBatchOn(conn, db, taskId, owner, size, nowIso, leaseMs));
    if (taken !== LOCK_BUSY) return taken;
  }
  return takeBatch(db, taskId, owner, size, nowIso, leaseMs, false);
}

/** One transaction: the answers, the retries, and the receipts that arrived before the acceptance was recorded. */
export async function recordBatch(db: Knex, taskId: string, a: BatchAnswers): Promise<void> {
  if (isSqlite(db) && a.finals.length === 0 && a.retryNow.length === 0 && a.retryLater.length === 0) {
    const done = await immediateOnPool(db, (conn) => {
      if (anyOrphanReceiptOn(conn, db)) return false;
      recordAcceptedOn(conn, db, taskId, a.accepted, a.nowIso);
      return true;
    });
    if (done === true) return;
  }
  const carrierIds = a.accepted.flatMap((r) => r.partIds ?? [r.carrierMessageId]);
  await db.transaction(async (trx) => {
    await recordBatchResults(trx, taskId, a.accepted, a.finals, a.nowIso);
    if (a.retryNow.length) await deferMessages(trx, taskId, a.retryNow, a.nowIso);
    if (a.retryLater.length) await deferMessages(trx, taskId, a.retryLater, a.laterAt);
    await adoptOrphanReceipts(trx, carrierIds, a.nowIso);
  });
}
