import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { listReceiptsAfter, listReceiptsAfterCommit, receiptsInCommitOrder, type Receipt } from '../queries/receipts.queries';

/**
 * The receipts feed behind `GET /api/v1/receipts`.
 *
 * On SQLite receipts are read in `receipts.id` order after the last id the client has seen. That is exactly-once
 * even for receipts that arrive while a client pages: ids are AUTOINCREMENT (never reused, always increasing), and
 * SQLite has one writer at a time, so a receipt with a smaller id can never commit after one with a larger id was
 * read. On PostgreSQL that last part is false (ids are taken at insert, several transactions write at once), so
 * receipts are read in commit order instead, (txid, id), and only once no running transaction can add one below
 * (receipts.queries.ts); the cursor then holds the last (txid, id). A cursor of the id form given before (or
 * by SQLite) keeps working there: it becomes a floor, receipts at or below its id having been seen.
 *
 * The cursor carries that position, and the task filter it was made for (following a filtered cursor without the
 * filter would silently skip other tasks' receipts). It is signed, so a changed or made-up cursor is refused
 * instead of quietly jumping somewhere; the signing key is derived from the session secret, so changing
 * SESSION_SECRET invalidates outstanding cursors.
 */

/** 1: `{ id }`, SQLite's id order; 2: `{ x, id, f }`, PostgreSQL's commit order (txid, id) above the floor id f. */
const ID_CURSOR = 1;
const COMMIT_CURSOR = 2;
const TAG_BYTES = 16;

interface CursorState {
  afterId: number;
  taskId: string | null;
  /** PostgreSQL: the txid of the last receipt read (digits); absent in an id cursor. */
  afterTx?: string;
  /** With afterTx: receipts at or below this id were read under an id cursor before (0: none). */
  floorId?: number;
}

export class ReceiptsCursor {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = crypto.createHmac('sha256', secret).update('qunfa receipts cursor').digest();
  }

  encode(state: CursorState): string {
    const data =
      state.afterTx === undefined
        ? { v: ID_CURSOR, id: state.afterId, t: state.taskId }
        : { v: COMMIT_CURSOR, x: state.afterTx, id: state.afterId, f: state.floorId ?? 0, t: state.taskId };
    const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
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
    const { v, id, t, x, f } = (data ?? {}) as Record<string, unknown>;
    if (!isId(id) || (t !== null && typeof t !== 'string')) return null;
    if (v === ID_CURSOR) return { afterId: id, taskId: t };
    if (v !== COMMIT_CURSOR || typeof x !== 'string' || !/^\d{1,20}$/.test(x) || !isId(f)) return null;
    return { afterId: id, afterTx: x, floorId: f, taskId: t };
  }

  private tag(payload: string): string {
    return crypto.createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES).toString('base64url');
  }
}

function isId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
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
  let from: CursorState = { afterId: 0, taskId: input.taskId };
  if (input.since !== null) {
    const state = cursors.decode(input.since);
    if (!state) return { ok: false, error: 'invalid_cursor' };
    if (state.taskId !== input.taskId) return { ok: false, error: 'cursor_task_mismatch' };
    from = state;
  }
  if (!receiptsInCommitOrder(db)) {
    // A commit-order cursor means nothing to SQLite's ids.
    if (from.afterTx !== undefined) return { ok: false, error: 'invalid_cursor' };
    const receipts = await listReceiptsAfter(db, { afterId: from.afterId, taskId: input.taskId, limit: input.limit });
    const last = receipts.length ? receipts[receipts.length - 1].id : from.afterId;
    return { ok: true, receipts, nextCursor: cursors.encode({ ...from, afterId: last }) };
  }
  // An id cursor starts at the beginning of commit order, above its id (its floor from then on).
  const after = from.afterTx === undefined ? { txid: '0', id: 0, floorId: from.afterId } : { txid: from.afterTx, id: from.afterId, floorId: from.floorId ?? 0 };
  const receipts = await listReceiptsAfterCommit(db, { after, taskId: input.taskId, limit: input.limit });
  const last = receipts[receipts.length - 1];
  const next = last ? { afterId: last.id, afterTx: last.txid!, floorId: after.floorId, taskId: input.taskId } : from;
  return { ok: true, receipts, nextCursor: cursors.encode(next) };
}
