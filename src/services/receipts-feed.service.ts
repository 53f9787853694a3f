import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { listReceiptsAfter, type Receipt } from '../queries/receipts.queries';

/**
 * The receipts feed behind `GET /api/v1/receipts`.
 *
 * Receipts are read in `receipts.id` order after the last id the client has seen. That is exactly-once even for
 * receipts that arrive while a client pages: ids are AUTOINCREMENT (never reused, always increasing), and SQLite
 * has one writer at a time, so a receipt with a smaller id can never commit after one with a larger id was read.
 *
 * The cursor carries that last id, and the task filter it was made for (following a filtered cursor without the
 * filter would silently skip other tasks' receipts). It is signed, so a changed or made-up cursor is refused
 * instead of quietly jumping somewhere; the signing key is derived from the session secret, so changing
 * SESSION_SECRET invalidates outstanding cursors.
 */

const CURSOR_VERSION = 1;
const TAG_BYTES = 16;

interface CursorState {
  afterId: number;
  taskId: string | null;
}

export class ReceiptsCursor {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = crypto.createHmac('sha256', secret).update('qunfa receipts cursor').digest();
  }

  encode(state: CursorState): string {
    const payload = Buffer.from(JSON.stringify({ v: CURSOR_VERSION, id: state.afterId, t: state.taskId })).toString('base64url');
    return `${payload}.${this.tag(payload)}`;
  }

  /** The state of a cursor made by `encode` with the same secret; null for anything else. */
  decode(cursor: string): CursorState | null {
    const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{1,100})$/.exec(cursor);
    if (!m) return null;
    const expected = Buffer.from(this.tag(m[1]));
    const given = Buffer.from(m[2]);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const { v, id, t } = (data ?? {}) as Record<string, unknown>;
    if (v !== CURSOR_VERSION || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return null;
    if (t !== null && typeof t !== 'string') return null;
    return { afterId: id, taskId: t };
  }

  private tag(payload: string): string {
    return crypto.createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES).toString('base64url');
  }
}

export type FeedPage = { ok: true; receipts: Receipt[]; nextCursor: string } | { ok: false; error: 'invalid_cursor' | 'cursor_task_mismatch' };

/**
 * One page after `since` (or from the first receipt). `nextCursor` is always given: after the last receipt of the
 * page, or the same position when there was nothing new, so a client can keep polling with it.
 */
export async function receiptsPage(
  db: Knex,
  cursors: ReceiptsCursor,
  input: { since: string | null; taskId: string | null; limit: number },
): Promise<FeedPage> {
  let afterId = 0;
  if (input.since !== null) {
    const state = cursors.decode(input.since);
    if (!state) return { ok: false, error: 'invalid_cursor' };
    if (state.taskId !== input.taskId) return { ok: false, error: 'cursor_task_mismatch' };
    afterId = state.afterId;
  }
  const receipts = await listReceiptsAfter(db, { afterId, taskId: input.taskId, limit: input.limit });
  const last = receipts.length ? receipts[receipts.length - 1].id : afterId;
  return { ok: true, receipts, nextCursor: cursors.encode({ afterId: last, taskId: input.taskId }) };
}
