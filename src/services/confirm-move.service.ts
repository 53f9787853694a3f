/**
 * The confirm of a large draft in parts (issue 15). Moving 1,000,000 recipients into `messages` takes many seconds
 * of SQLite's time; in one transaction every other writer (the dispatcher's tick, other users' confirms, the jobs)
 * waited for all of it and gave up after busy_timeout. Above ONE_TRANSACTION_ROWS the move is a series of
 * transactions of PART_CHUNKS chunks (50,000 rows) each, with the write connection handed to whoever waits for it
 * in between; on a SQLite file they run in a thread of their own (draft-move.thread.ts), off the event loop.
 *
 * Meanwhile the task is `confirming`: the dispatcher does not see it, a second confirm finds it no longer a draft,
 * and its page says how far the move is. Each part moves its chunks and deletes them in the same transaction, so a
 * crash leaves every row either still a draft chunk or a message: the move resumes where it stopped (the
 * confirm-resume job, at the next start), and the last part makes the task `scheduled`, once.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Knex } from 'knex';
import { CHUNK_ROWS } from '../drafts/recipient-chunks';
import { moveDraftChunks, nextDraftChunks } from '../queries/draft-recipients.queries';
import { addConfirmMoved, lockConfirmingTask, markConfirmingScheduled, staleConfirmingTasks } from '../queries/task-confirm.queries';
import { withLargeMoveCache } from '../queries/draft-recipients.sqlite.queries';
import { canMoveInThread, DraftMoveThread } from '../queries/draft-move.thread';

/** Chunks a part moves: 50,000 rows, a few hundred ms of the write lock at a time. */
export const PART_CHUNKS = 10;
/**
 * Up to this many recipients a draft is moved in the confirming transaction, as before: at 100,000 that is about
 * half a second of the write lock, and starting the move's thread would add 30 ms to the confirm users wait for most.
 */
export const ONE_TRANSACTION_ROWS = 100_000;

/** Whether a draft is confirmed in parts; with `partChunks` given (tests), any draft of more than one part is. */
export function confirmsInParts(recipientCount: number, partChunks?: number): boolean {
  return recipientCount > (partChunks === undefined ? ONE_TRANSACTION_ROWS : partChunks * CHUNK_ROWS);
}

export interface MoveOptions {
  partChunks?: number;
  /** Test seam: runs inside each part's transaction once its rows are moved, before it commits. */
  afterPartMoved?: (part: number) => void | Promise<void>;
  /** Test seam: stops after this many parts, as a crash between two parts would. */
  maxParts?: number;
}

export type MoveResult = 'scheduled' | 'stopped' | 'not-confirming';

/** Moves what is left of a `confirming` task's draft, a part a transaction; the last part schedules the task. */
export async function moveConfirmingTask(db: Knex, taskId: string, opts: MoveOptions = {}): Promise<MoveResult> {
  // On a SQLite file the parts run in a thread of their own (draft-move.thread.ts); the test seam needs this one.
  if (canMoveInThread(db) && !opts.afterPartMoved) return moveInThread(db, taskId, opts);
  const partChunks = opts.partChunks ?? PART_CHUNKS;
  return withLargeMoveCache(db, async () => {
    for (let part = 0; ; part += 1) {
      if (opts.maxParts !== undefined && part >= opts.maxParts) return 'stopped';
      const result = await db.transaction(async (trx): Promise<MoveResult | 'moved'> => {
        if (!(await lockConfirmingTask(trx, taskId))) return 'not-confirming';
        const chunks = await nextDraftChunks(trx, taskId, partChunks);
        const moved = await moveDraftChunks(trx, taskId, chunks);
        if (moved > 0) await addConfirmMoved(trx, taskId, moved);
        await opts.afterPartMoved?.(part);
        if ((await nextDraftChunks(trx, taskId, 1)).length > 0) return 'moved';
        await markConfirmingScheduled(trx, taskId);
        return 'scheduled';
      });
      if (result !== 'moved') return result;
      // The connection is free now: writers queued for it (knex's pool serves them in turn) go before the next part.
      await yieldToLoop();
    }
  });
}

async function moveInThread(db: Knex, taskId: string, opts: MoveOptions): Promise<MoveResult> {
  const thread = await DraftMoveThread.open(db);
  try {
    for (let part = 0; ; part += 1) {
      if (opts.maxParts !== undefined && part >= opts.maxParts) return 'stopped';
      const { result } = await thread.part(taskId, opts.partChunks ?? PART_CHUNKS);
      if (result !== 'moved') return result;
      await yieldToLoop();
    }
  } finally {
    await thread.close();
  }
}

/** The moves running in this process, by database and task, so no task is moved twice at once from here. */
const running = new WeakMap<Knex, Map<string, Promise<MoveResult>>>();

export interface StartOptions extends MoveOptions {
  /** After the task became `scheduled` (the dispatcher's wake-up). */
  onScheduled?: () => void;
  onError?: (err: Error) => void;
}

/**
 * Starts (or joins) the move of a `confirming` task in the background; the promise never rejects (a failed move
 * is reported to onError and left for the confirm-resume job, which finds the task stale and moves on from there).
 */
export function startConfirmMove(db: Knex, taskId: string, opts: StartOptions = {}): Promise<MoveResult | 'failed'> {
  let moves = running.get(db);
  if (!moves) running.set(db, (moves = new Map()));
  let move = moves.get(taskId);
  if (!move) {
    const all = moves;
    move = moveConfirmingTask(db, taskId, opts).finally(() => all.delete(taskId));
    moves.set(taskId, move);
  }
  return move.then(
    (result) => {
      if (result === 'scheduled') opts.onScheduled?.();
      return result;
    },
    (err: unknown) => {
      opts.onError?.(err as Error);
      return 'failed' as const;
    },
  );
}

/** How long a `confirming` task goes without a part committed before its move is taken as stopped. */
export const CONFIRM_STALE_MS = 20_000;

/**
 * Resumes the moves that stopped (the process crashed or was stopped mid-way): every `confirming` task not moved by
 * this process and with no part committed for CONFIRM_STALE_MS. Returns the tasks it resumed.
 */
export async function resumeStoppedConfirms(db: Knex, opts: StartOptions & { now?: Date; staleMs?: number } = {}): Promise<string[]> {
  const before = new Date((opts.now ?? new Date()).getTime() - (opts.staleMs ?? CONFIRM_STALE_MS)).toISOString();
  const ids = (await staleConfirmingTasks(db, before)).filter((id) => !running.get(db)?.has(id));
  for (const id of ids) await startConfirmMove(db, id, opts);
  return ids;
}
