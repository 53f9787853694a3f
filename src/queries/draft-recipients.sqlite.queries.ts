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

const MOVE_CHUNK_SQL = `
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
