/**
 * The confirm's move of a draft's recipients into `messages` on SQLite (issue 15): one `INSERT … SELECT` per packed
 * chunk, reading the chunk's JSON with `json_each`, so the rows never come into JavaScript (no parse, no 5,000
 * objects, no 5,000 bound statements). This is the one place with SQLite-only SQL for it; a PostgreSQL variant would
 * read the same bytes with `jsonb_array_elements(convert_from(rows, 'UTF8')::jsonb) WITH ORDINALITY`.
 *
 * A chunk is stored as UTF-8 JSON text in a BLOB, which SQLite 3.45+ would take for its binary JSONB: hence the
 * CAST to TEXT. `value ->> 2` gives the parameters array back as its JSON text, the same text JSON.stringify made.
 */
import type { Knex } from 'knex';

export const MOVE_CHUNK_SQL = `
INSERT INTO messages (task_id, row_number, phone, params, content, chars, segments, status)
SELECT ?, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, 'pending'
FROM draft_recipients d, json_each(CAST(d.rows AS TEXT)) r
WHERE d.task_id = ? AND d.chunk = ?
ORDER BY r.key`;

/** Moves one chunk of the task's draft recipients into its `messages`, in the chunk's order; returns how many. */
export async function moveDraftChunkSqlite(trx: Knex, taskId: string, chunk: number): Promise<number> {
  const result = (await trx.raw(MOVE_CHUNK_SQL, [taskId, taskId, chunk])) as { changes?: number } | undefined;
  return result?.changes ?? 0;
}

export function isSqlite(db: Knex): boolean {
  return (db.client as { driverName?: string }).driverName === 'better-sqlite3';
}

/** Chunks (of 5,000 rows) past which the move gets a bigger page cache: at 100,000 rows it measured the same. */
const LARGE_MOVE_CHUNKS = 40;
/** In KiB, as SQLite's negative `cache_size` reads. */
export const LARGE_MOVE_CACHE_KIB = 131_072;

/**
 * Runs a big move with a 128 MB page cache, then gives the connection its own back (SQLite frees the pages). The
 * three phone-keyed indexes of `messages` take new rows in random order; with better-sqlite3's default 16 MB cache
 * their pages are evicted and read again: 1,000,000 rows took 23.4 s of CPU, 17.8 s with this cache (measured raw,
 * issue 15).
 */
export async function withMoveCache<T>(trx: Knex, chunks: number, run: () => Promise<T>): Promise<T> {
  if (chunks <= LARGE_MOVE_CHUNKS) return run();
  const before = (await trx.raw('PRAGMA cache_size')) as { cache_size: number }[];
  await trx.raw(`PRAGMA cache_size = -${LARGE_MOVE_CACHE_KIB}`);
  try {
    return await run();
  } finally {
    await trx.raw(`PRAGMA cache_size = ${Number(before[0]?.cache_size ?? -2000)}`);
  }
}

/** Confirms in parts running on each database, and the cache size their connection had before the first began. */
const largeMoves = new WeakMap<Knex, { running: number; before: number }>();

/**
 * The same 128 MB page cache for a confirm in parts (src/services/confirm-move.service.ts), kept on the write
 * connection across its parts: the indexes' pages one part read are still there for the next (SQLite keeps its
 * cache across transactions while no other process writes). Given back when the last move running ends.
 */
export async function withLargeMoveCache<T>(db: Knex, run: () => Promise<T>): Promise<T> {
  if (!isSqlite(db)) return run();
  let state = largeMoves.get(db);
  if (!state) largeMoves.set(db, (state = { running: 0, before: -2000 }));
  const first = state.running === 0;
  state.running += 1;
  try {
    if (first) {
      const before = (await db.raw('PRAGMA cache_size')) as { cache_size: number }[];
      state.before = Number(before[0]?.cache_size ?? -2000);
      await db.raw(`PRAGMA cache_size = -${LARGE_MOVE_CACHE_KIB}`);
    }
    return await run();
  } finally {
    state.running -= 1;
    if (state.running === 0) await db.raw(`PRAGMA cache_size = ${state.before}`);
  }
}
