import type { Knex } from 'knex';
import { deleteExpiredSessions } from '../queries/sessions.queries';
import { deleteFailuresBefore } from '../queries/login-attempts.queries';
import { deleteCodeAttemptsBefore } from '../queries/two-factor-attempts.queries';
import { deleteStoredAnswersBefore } from '../queries/api-idempotency.queries';
import { FAILURE_WINDOW_MS } from '../services/auth.service';
import { deleteAppliedInboxReceiptsBefore } from '../queries/carrier-receipt-inbox.queries';

/** How long a client may retry POST /api/v1/tasks with the same Idempotency-Key and get the first answer. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * How long an SMPP receipt is kept in the inbox once applied: long enough to ignore an SMSC's late repeat of it (and
 * to show on the test send page), not forever (one row a message part).
 */
export const APPLIED_RECEIPT_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Expired sessions, login and code failures older than the throttle window, old idempotent answers and SMPP receipts applied
 * a week ago serve no purpose.
 */
export async function runCleanup(
  db: Knex,
  now = Date.now(),
): Promise<{ sessions: number; loginAttempts: number; codeAttempts: number; idempotentAnswers: number; appliedReceipts: number }> {
  const sessions = await deleteExpiredSessions(db, new Date(now).toISOString());
  const loginAttempts = await deleteFailuresBefore(db, new Date(now - FAILURE_WINDOW_MS).toISOString());
  const codeAttempts = await deleteCodeAttemptsBefore(db, new Date(now - FAILURE_WINDOW_MS).toISOString());
  const idempotentAnswers = await deleteStoredAnswersBefore(db, new Date(now - IDEMPOTENCY_WINDOW_MS).toISOString());
  const appliedReceipts = await deleteAppliedInboxReceiptsBefore(db, new Date(now - APPLIED_RECEIPT_KEEP_MS).toISOString());
  return { sessions, loginAttempts, codeAttempts, idempotentAnswers, appliedReceipts };
}
