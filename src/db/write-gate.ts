/**
 * A pause for the app's new writes, set by the WAL checkpointer thread while it cuts back a log that has passed its
 * high-water mark (wal-checkpoint.worker.ts). Under back-to-back writes (a dispatch, its receipts) SQLite's
 * TRUNCATE checkpoint rarely finds the moment with no writer that it needs, and the log grew past 80 MB. While
 * the pause lasts, a write about to start (an autocommit statement, a BEGIN) waits for it on a timer, never
 * blocking the event loop; transactions already started finish. The flag is shared memory, so the thread's pause
 * takes effect at once, even while this thread's event loop is busy; a write waits HOLD_AT_MOST_MS at most.
 */
const HOLD_AT_MOST_MS = 2000;
const LOOK_EVERY_MS = 5;

const flags = new WeakMap<object, Int32Array>();

/** The shared flag for the writes of `owner` (the knex client, db.client), for the checkpointer thread to set. */
export function writeGateOf(owner: object): SharedArrayBuffer {
  let flag = flags.get(owner);
  if (!flag) {
    flag = new Int32Array(new SharedArrayBuffer(4));
    flags.set(owner, flag);
  }
  return flag.buffer as SharedArrayBuffer;
}

/** Ends a pause whatever the thread does (it died while holding it). */
export function openWrites(owner: object): void {
  const flag = flags.get(owner);
  if (flag) Atomics.store(flag, 0, 0);
}

/** Undefined at once unless the writes of `owner` are paused; else resolves when the pause ends. */
export function writesOpen(owner: object): Promise<void> | undefined {
  const flag = flags.get(owner);
  if (!flag || Atomics.load(flag, 0) === 0) return undefined;
  const since = Date.now();
  return new Promise((resolve) => {
    const look = () => {
      if (Atomics.load(flag, 0) === 0 || Date.now() - since >= HOLD_AT_MOST_MS) resolve();
      else setTimeout(look, LOOK_EVERY_MS);
    };
    look();
  });
}
