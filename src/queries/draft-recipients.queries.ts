import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Knex } from 'knex';
import { insertMessages, type MessageRow, type NewMessage } from './messages.queries';
import { firstPackedRow, parseChunk, type PackedChunkList, type PackedRow } from '../drafts/recipient-chunks';
import { isSqlite, moveDraftChunkSqlite, withMoveCache } from './draft-recipients.sqlite.queries';

/**
 * A draft's checked recipients live here, in chunks of JSON rows (src/drafts/recipient-chunks.ts), until the draft
 * is confirmed (see migration 20261125000023): storing 100,000 of them is 20 inserts instead of 100,000 rows into
 * `messages` and its seven indexes. Confirming moves them into `messages`, in file order, within the confirming
 * transaction.
 */
const unpack = (r: PackedRow): NewMessage => ({ row_number: r[0], phone: r[1], params: JSON.stringify(r[2]), content: r[3], chars: r[4], segments: r[5] });

/** One chunk at a time: a spooled pack (chunk-spool.ts) reads each back only as it is inserted. */
export async function insertDraftRecipients(db: Knex, taskId: string, chunks: PackedChunkList): Promise<void> {
  for (let chunk = 0; chunk < chunks.length; chunk += 1) await db('draft_recipients').insert({ task_id: taskId, chunk, rows: chunks.at(chunk)! });
}

/** The first recipient of a draft in file order (the check page's example message). */
export async function firstDraftRecipient(db: Knex, taskId: string): Promise<Omit<MessageRow, 'id' | 'status'> | undefined> {
  const bytes = (await db('draft_recipients').where({ task_id: taskId }).orderBy('chunk').first('rows'))?.rows as Buffer | undefined;
  const first = bytes ? firstPackedRow(bytes) : undefined;
  if (!first) return undefined;
  return { rowNumber: first[0], phone: first[1], params: first[2], content: first[3], chars: first[4], segments: first[5] };
}

/** A draft's recipients in file order, a chunk at a time (at most 5,000 rows in memory). */
export async function* draftRecipientChunks(db: Knex, taskId: string): AsyncGenerator<NewMessage[]> {
  const chunks = (await db('draft_recipients').where({ task_id: taskId }).orderBy('chunk').pluck('chunk')) as number[];
  for (const chunk of chunks) {
    const row = await db('draft_recipients').where({ task_id: taskId, chunk }).first('rows');
    if (row) yield parseChunk(row.rows as Buffer).map(unpack);
  }
}

const INSERT_SLICE = 1000;

/**
 * Moves a draft's recipients into `messages` (pending, in file order) and removes the chunks; returns how many.
 * Run it in the transaction that confirms the draft, so a task is never confirmed without its messages.
 */
export async function moveDraftRecipients(trx: Knex, taskId: string): Promise<number> {
  const chunks = (await trx('draft_recipients').where({ task_id: taskId }).orderBy('chunk').pluck('chunk')) as number[];
  return withMoveCache(trx, isSqlite(trx) ? chunks.length : 0, () => moveDraftChunks(trx, taskId, chunks));
}

/** The numbers of the next `limit` chunks of a draft still to move, in file order (issue 15: a confirm in parts). */
export async function nextDraftChunks(trx: Knex, taskId: string, limit: number): Promise<number[]> {
  return (await trx('draft_recipients').where({ task_id: taskId }).orderBy('chunk').limit(limit).pluck('chunk')) as number[];
}

/**
 * Moves the given chunks of a draft into `messages`, in the order given, and removes them; returns how many rows.
 * Moving and removing in one transaction is what makes a confirm in parts safe to resume: a chunk is either still
 * in `draft_recipients` or its rows are in `messages`, never both, never neither.
 */
export async function moveDraftChunks(trx: Knex, taskId: string, chunks: readonly number[]): Promise<number> {
  let moved = 0;
  if (isSqlite(trx)) {
    // Issue 15: a chunk per statement, the rows never leaving SQLite (draft-recipients.sqlite.queries.ts); between
    // chunks (5,000 rows, a few ms each) requests that need no database go on.
    for (const chunk of chunks) {
      moved += await moveDraftChunkSqlite(trx, taskId, chunk);
      await yieldToLoop();
    }
  } else {
    for (const chunk of chunks) {
      const row = await trx('draft_recipients').where({ task_id: taskId, chunk }).first('rows');
      const rows = row ? parseChunk(row.rows as Buffer).map(unpack) : [];
      // better-sqlite3 answers within the same turn of the event loop, so without a pause a 100,000-recipient
      // confirm would hold it for a second or more; between slices of 1,000 rows, requests that need no database go on.
      for (let from = 0; from < rows.length; from += INSERT_SLICE) {
        await insertMessages(trx, taskId, rows.slice(from, from + INSERT_SLICE));
        await yieldToLoop();
      }
      moved += rows.length;
    }
  }
  if (chunks.length > 0) await trx('draft_recipients').where({ task_id: taskId }).whereIn('chunk', chunks).delete();
  return moved;
}
