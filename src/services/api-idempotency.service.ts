import type { Knex } from 'knex';
import { findStoredAnswer, insertStoredAnswer } from '../queries/api-idempotency.queries';

/** An HTTP answer of the API as it is stored for replay: the status and the JSON body. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface IdempotencyScope {
  apiKeyId: number;
  /** The request's `Idempotency-Key`, or null when it sent none (then nothing is stored or replayed). */
  idemKey: string | null;
}

export async function storedAnswer(db: Knex, scope: IdempotencyScope): Promise<ApiAnswer | null> {
  if (scope.idemKey === null) return null;
  const row = await findStoredAnswer(db, scope.apiKeyId, scope.idemKey);
  return row ? { status: row.status, body: JSON.parse(row.body) } : null;
}

/**
 * Runs `write` and stores its answer in one transaction, so a task and the answer that reports it commit together
 * or not at all, and two requests with the same key cannot both commit:
 * - in this process the pool's one connection serialises them, and the second finds the first one's answer when it
 *   looks again inside its own transaction;
 * - a duplicate in another process that commits first makes this transaction fail, on the unique
 *   (api_key_id, idem_key) constraint or, SQLite in WAL mode, with SQLITE_BUSY_SNAPSHOT (this one read before that
 *   commit). Either way this transaction, its task included, was rolled back, and the winner's answer is given.
 * Returns the answer to send and whether it is a replay.
 */
export async function answerOnce(db: Knex, scope: IdempotencyScope, write: (trx: Knex.Transaction) => Promise<ApiAnswer>): Promise<{ answer: ApiAnswer; replayed: boolean }> {
  try {
    const answer = await db.transaction(async (trx) => {
      const earlier = await storedAnswer(trx, scope);
      if (earlier) return { ...earlier, replayed: true as const };
      const fresh = await write(trx);
      if (scope.idemKey !== null) await insertStoredAnswer(trx, scope.apiKeyId, scope.idemKey, { status: fresh.status, body: JSON.stringify(fresh.body) });
      return fresh;
    });
    const { replayed, ...rest } = answer as ApiAnswer & { replayed?: true };
    return { answer: rest, replayed: Boolean(replayed) };
  } catch (err) {
    const winner = await storedAnswer(db, scope);
    if (!winner) throw err;
    return { answer: winner, replayed: true };
  }
}

/** Stores an answer that needed no write of its own (a refused request), keeping the first one if there is one. */
export async function rememberAnswer(db: Knex, scope: IdempotencyScope, answer: ApiAnswer): Promise<{ answer: ApiAnswer; replayed: boolean }> {
  return answerOnce(db, scope, async () => answer);
}
