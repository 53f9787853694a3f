import type { SessionData } from 'express-session';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Db } from '../db/knex';

/** How stale the stored expiry of a session in use may get before a request writes it again. */
export const TOUCH_EVERY_MS = 60_000;

/**
 * The sessions table, with the rolling expiry written at most once a minute per session and process.
 *
 * Sessions roll (`rolling: true`): every answer sends the cookie again with a fresh 8-hour expiry, and the store's
 * `touch` writes the same expiry into the session's row. That was an UPDATE, a write transaction, on every request
 * of every signed-in page and of every progress poll (each open task page polls every few seconds). Here a touch
 * within a minute of this process's last write of the same session is skipped, so the stored expiry trails the
 * cookie's by under a minute: an idle session ends between 7 h 59 min and 8 h after its last request instead of at
 * 8 h exactly. Nothing else changes: the session is still read (and an expired one refused) on every request, and a
 * changed session is saved in full at once. With two processes on one database each keeps its own minute, and
 * either one's write extends the row, so the stored expiry is still within a minute of the newest request's.
 */
export class SessionStore extends ConnectSessionKnexStore {
  /** Session id -> when this process last wrote its expiry. */
  private readonly written = new Map<string, number>();
  private lastSweep = 0;

  constructor(db: Db) {
    // Expired rows are removed by the session-cleanup job, not by a timer inside the store.
    super({ knex: db, tableName: 'sessions', createTable: false, cleanupInterval: 0 });
  }

  async touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    const now = Date.now();
    this.sweep(now);
    const last = this.written.get(sid);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) {
      callback?.();
      return;
    }
    // Noted before the write, so that concurrent requests of one session do not all write.
    this.written.set(sid, now);
    // Best effort: express-session holds the answer until the callback, and the write may wait seconds for a lock
    // held by another process (busy-retry.ts). The page goes out at once; a touch that fails is tried again by the
    // next request (the cookie carries the expiry meanwhile).
    callback?.();
    try {
      await super.touch(sid, session);
    } catch {
      this.written.delete(sid);
    }
  }

  /** A full save (a changed session) writes the expiry too. */
  async set(sid: string, session: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    await super.set(sid, session, (err?: unknown) => {
      if (!err) this.written.set(sid, Date.now());
      callback?.(err);
    });
  }

  async destroy(sid: string, callback?: (err?: unknown) => void): Promise<number> {
    this.written.delete(sid);
    return super.destroy(sid, callback);
  }

  /** Forgets sessions not written for a minute, once a minute: the map holds only the sessions in use. */
  private sweep(now: number): void {
    if (now - this.lastSweep < TOUCH_EVERY_MS) return;
    this.lastSweep = now;
    for (const [sid, at] of this.written) if (now - at >= TOUCH_EVERY_MS) this.written.delete(sid);
  }
}
