import type { Knex } from 'knex';
import { isPostgres, jsonTextValues, rowsOf } from '../db/dialect';

export type OptOutSource = 'manual' | 'import' | 'reply' | 'api';
export const OPT_OUT_SOURCES: readonly OptOutSource[] = ['manual', 'import', 'reply', 'api'];

export interface OptOut {
  phone: string;
  source: OptOutSource;
  reason: string;
  createdBy: number | null;
  createdByName: string | null;
  apiKeyId: number | null;
  inboundMessageId: number | null;
  createdAt: string;
}

export interface OptOutChange {
  id: number;
  phone: string;
  action: 'add' | 'remove';
  source: OptOutSource;
  reason: string;
  userId: number | null;
  userName: string | null;
  apiKeyId: number | null;
  inboundMessageId: number | null;
  createdAt: string;
}

/** Who made a change: a signed-in user, an API key (acting for its admin), or nobody (a reply from the handset). */
export interface OptOutActor {
  userId: number | null;
  apiKeyId: number | null;
}

type Row = Record<string, unknown>;

const toOptOut = (r: Row): OptOut => ({
  phone: r.phone as string,
  source: r.source as OptOutSource,
  reason: r.reason as string,
  createdBy: (r.created_by as number) ?? null,
  createdByName: (r.created_by_name as string) ?? null,
  apiKeyId: (r.api_key_id as number) ?? null,
  inboundMessageId: (r.inbound_message_id as number) ?? null,
  createdAt: r.created_at as string,
});

const toChange = (r: Row): OptOutChange => ({
  id: r.id as number,
  phone: r.phone as string,
  action: r.action as OptOutChange['action'],
  source: r.source as OptOutSource,
  reason: r.reason as string,
  userId: (r.user_id as number) ?? null,
  userName: (r.user_name as string) ?? null,
  apiKeyId: (r.api_key_id as number) ?? null,
  inboundMessageId: (r.inbound_message_id as number) ?? null,
  createdAt: r.created_at as string,
});

export async function findOptOut(db: Knex, phone: string): Promise<OptOut | undefined> {
  const row = await db('opt_outs').leftJoin('users as actor', 'actor.id', 'opt_outs.created_by').where('opt_outs.phone', phone).first('opt_outs.*', 'actor.username as created_by_name');
  return row ? toOptOut(row) : undefined;
}

/** By number, keyset-paged (`afterPhone`); limit + 1 rows so the caller knows of a next page. */
export async function listOptOuts(db: Knex, phonePrefix: string, limit: number, afterPhone?: string): Promise<OptOut[]> {
  const q = db('opt_outs').leftJoin('users as actor', 'actor.id', 'opt_outs.created_by').select('opt_outs.*', 'actor.username as created_by_name').orderBy('opt_outs.phone').limit(limit + 1);
  if (phonePrefix) q.where('opt_outs.phone', '>=', phonePrefix).andWhere('opt_outs.phone', '<', `${phonePrefix}:`);
  if (afterPhone) q.where('opt_outs.phone', '>', afterPhone);
  return (await q).map(toOptOut);
}

export async function countOptOuts(db: Knex): Promise<number> {
  const row = (await db('opt_outs').count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Returns whether the number was added (false: it was already on the list, which is left as it was). */
export async function insertOptOut(db: Knex, row: { phone: string; source: OptOutSource; reason: string; actor: OptOutActor; inboundMessageId?: number | null; at: string }): Promise<boolean> {
  const inserted = await db('opt_outs')
    .insert({ phone: row.phone, source: row.source, reason: row.reason, created_by: row.actor.userId, api_key_id: row.actor.apiKeyId, inbound_message_id: row.inboundMessageId ?? null, created_at: row.at })
    .onConflict('phone')
    .ignore()
    .returning('phone');
  return inserted.length > 0;
}

export async function deleteOptOut(db: Knex, phone: string): Promise<boolean> {
  return (await db('opt_outs').where({ phone }).delete()) > 0;
}

export async function insertOptOutChange(db: Knex, row: { phone: string; action: 'add' | 'remove'; source: OptOutSource; reason: string; actor: OptOutActor; inboundMessageId?: number | null; at: string }): Promise<void> {
  await db('opt_out_history').insert({
    phone: row.phone,
    action: row.action,
    source: row.source,
    reason: row.reason,
    user_id: row.actor.userId,
    api_key_id: row.actor.apiKeyId,
    inbound_message_id: row.inboundMessageId ?? null,
    created_at: row.at,
  });
}

/** Newest first; for one number when given. */
export async function listOptOutChanges(db: Knex, phone: string | null, limit: number): Promise<OptOutChange[]> {
  const q = db('opt_out_history').leftJoin('users as actor', 'actor.id', 'opt_out_history.user_id').select('opt_out_history.*', 'actor.username as user_name').orderBy('opt_out_history.id', 'desc').limit(limit);
  if (phone) q.where('opt_out_history.phone', phone);
  return (await q).map(toChange);
}

/**
 * The numbers among these that are on the list. One statement whatever their number: the list goes in as one JSON
 * array and each number is a lookup of the primary key (json_each, then the key's index for the IN). 100,000
 * numbers as 200 IN lists of 500 took about twice as long, in knex and in SQLite.
 */
export async function optedOutAmong(db: Knex, phones: readonly string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = rowsOf<{ phone: string }>(await db.raw(`select j.value as phone from ${jsonTextValues(db)} where j.value in (select phone from opt_outs)`, [JSON.stringify(phones)]));
  return new Set(rows.map((r) => r.phone));
}

/** One page of the whole list in number order, for the streamed export (a short read per page, no long snapshot). */
export async function optOutPage(db: Knex, afterPhone: string, size: number): Promise<OptOut[]> {
  return (await db('opt_outs').leftJoin('users as actor', 'actor.id', 'opt_outs.created_by').select('opt_outs.*', 'actor.username as created_by_name').where('opt_outs.phone', '>', afterPhone).orderBy('opt_outs.phone').limit(size)).map(toOptOut);
}

// 8 bound values per row: 400 rows stay far below SQLite's bound-parameter limit.
const INSERT_CHUNK = 400;

/**
 * Adds many numbers (an import) in a few statements: returns those that were not on the list before, each with its
 * history row. Numbers already listed are left as they were (who added them first, and why, stays).
 */
export async function insertOptOutsBulk(db: Knex, phones: readonly string[], row: { source: OptOutSource; reason: string; actor: OptOutActor; at: string }): Promise<string[]> {
  const added: string[] = [];
  for (let i = 0; i < phones.length; i += INSERT_CHUNK) {
    const chunk = phones.slice(i, i + INSERT_CHUNK);
    const rows = (await db('opt_outs')
      .insert(chunk.map((phone) => ({ phone, source: row.source, reason: row.reason, created_by: row.actor.userId, api_key_id: row.actor.apiKeyId, inbound_message_id: null, created_at: row.at })))
      .onConflict('phone')
      .ignore()
      .returning('phone')) as ({ phone: string } | string)[];
    const phonesAdded = rows.map((r) => (typeof r === 'string' ? r : r.phone));
    if (phonesAdded.length > 0) {
      await db('opt_out_history').insert(
        phonesAdded.map((phone) => ({ phone, action: 'add', source: row.source, reason: row.reason, user_id: row.actor.userId, api_key_id: row.actor.apiKeyId, inbound_message_id: null, created_at: row.at })),
      );
    }
    added.push(...phonesAdded);
  }
  return added;
}

/**
 * Where the opt-out snapshot's reads of changes start: the newest change's id (0 for none) and, on PostgreSQL, the
 * oldest transaction still running (see optOutChangesSince), read first, so that nothing committed after it is missed.
 */
export async function optOutChangesStart(db: Knex): Promise<{ lastId: number; sinceTxid: string | null }> {
  const sinceTxid = await oldestRunningTxid(db);
  const row = (await db('opt_out_history').max({ id: 'id' }).first()) as { id: number | string | null } | undefined;
  return { lastId: Number(row?.id ?? 0), sinceTxid };
}

/** PostgreSQL: the oldest transaction still running (every later commit has a txid at least this); null on SQLite. */
async function oldestRunningTxid(db: Knex): Promise<string | null> {
  if (!isPostgres(db)) return null;
  return rowsOf<{ xmin: string }>(await db.raw('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin'))[0].xmin;
}

/** The whole list's numbers, read in pages in number order (short reads, so writers are never held up long). */
export async function eachOptOutPhonePage(db: Knex, size: number, onPage: (phones: string[]) => void): Promise<void> {
  let after = '';
  for (;;) {
    const phones = (await db('opt_outs').where('phone', '>', after).orderBy('phone').limit(size).pluck('phone')) as string[];
    if (phones.length > 0) onPage(phones);
    if (phones.length < size) return;
    after = phones[phones.length - 1];
  }
}

/**
 * The numbers changed after change `afterId`, with the highest id read. On PostgreSQL an id is given at insert, not
 * at commit, so a change may become visible after one with a higher id was read: there the changes written by any
 * transaction that was still running at the previous read (`txid` from `sinceTxid` on, migration 20261206000060)
 * are read again whatever their id, and the bound for the next read is returned. On SQLite writers take turns, so
 * ids become visible in order and the id alone is enough.
 */
export async function optOutChangesSince(db: Knex, afterId: number, sinceTxid: string | null): Promise<{ lastId: number; phones: string[]; sinceTxid: string | null }> {
  const nextTxid = await oldestRunningTxid(db);
  const q = db('opt_out_history').where('id', '>', afterId).select('id', 'phone');
  if (sinceTxid !== null && isPostgres(db)) q.orWhereRaw('txid >= ?::xid8', [sinceTxid]);
  const rows = (await q) as { id: number | string; phone: string }[];
  let lastId = afterId;
  for (const r of rows) lastId = Math.max(lastId, Number(r.id));
  return { lastId, phones: [...new Set(rows.map((r) => r.phone))], sinceTxid: nextTxid };
}
