/**
 * A pause for the app's new writes, asked for by the WAL checkpointer thread when the log has passed its
 * high-water mark (wal-checkpoint.worker.ts). Under back-to-back writes (a dispatch, its receipts) SQLite's
 * TRUNCATE checkpoint rarely finds the moment with no writer that it needs, and the log grew past 80 MB. While
 * the pause lasts, a write about to start (an autocommit statement, a BEGIN) waits for it on a timer, never
 * blocking the event loop; transactions already started finish. The pause ends when the thread says so, or after
 * HOLD_AT_MOST_MS whatever happens.
 */
const HOLD_AT_MOST_MS = 2000;

interface Gate {
  open: Promise<void>;
  release(): void;
}

const gates = new WeakMap<object, Gate>();

/** `owner`: the knex client whose writes pause (db.client). */
export function holdWrites(owner: object): void {
  if (gates.has(owner)) return;
  let release!: () => void;
  const open = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(() => releaseWrites(owner), HOLD_AT_MOST_MS);
  timer.unref();
  gates.set(owner, {
    open,
    release: () => {
      clearTimeout(timer);
      release();
    },
  });
}

export function releaseWrites(owner: object): void {
  const gate = gates.get(owner);
  gates.delete(owner);
  gate?.release();
}

/** Resolves at once unless the writes of `owner` are paused. */
export function writesOpen(owner: object): Promise<void> | undefined {
  return gates.get(owner)?.open;
}
