import type { Knex } from 'knex';
import { containsIgnoringCase } from '../db/dialect';

/** A reply from a handset (an MO message), as stored: decoded and joined by the carrier code that received it. */
export interface InboundMessage {
  id: number;
  accountId: number | null;
  phone: string;
  text: string;
  receivedAt: string;
  carrierRef: string | null;
  createdAt: string;
}

export interface InboundWrite {
  accountId: number | null;
  phone: string;
  text: string;
  /** ISO UTC time the carrier says the reply was received (or when we got it, when it says nothing). */
  receivedAt: string;
  /** The carrier's own reference for the reply, when it has one: a repeat with the same reference is ignored. */
  carrierRef?: string | null;
}

type Row = Record<string, unknown>;

const toInbound = (r: Row): InboundMessage => ({
  id: r.id as number,
  accountId: (r.account_id as number) ?? null,
  phone: r.phone as string,
  text: r.text as string,
  receivedAt: r.received_at as string,
  carrierRef: (r.carrier_ref as string) ?? null,
  createdAt: r.created_at as string,
});

/** Stores one reply; returns its id, or null when the same (account, carrier reference) is already stored. */
export async function insertInboundMessage(db: Knex, message: InboundWrite): Promise<number | null> {
  const rows = await db('inbound_messages')
    .insert({
      account_id: message.accountId,
      phone: message.phone,
      text: message.text,
      received_at: message.receivedAt,
      carrier_ref: message.carrierRef ?? null,
      created_at: new Date().toISOString(),
    })
    .onConflict(['account_id', 'carrier_ref'])
    .ignore()
    .returning('id');
  const row = rows[0] as { id: number } | number | undefined;
  if (row === undefined) return null;
  return typeof row === 'object' ? row.id : row;
}

export async function findInboundMessage(db: Knex, id: number): Promise<InboundMessage | undefined> {
  const row = await db('inbound_messages').where({ id }).first();
  return row ? toInbound(row) : undefined;
}

export interface InboundFilter {
  /** A number, or the start of one. */
  phonePrefix?: string;
  accountId?: number;
  /** Text contained in the reply (case-insensitive for ASCII). */
  text?: string;
  /** received_at range, ISO UTC: from inclusive, to exclusive. */
  from?: string;
  to?: string;
}

/** Newest first, keyset-paged by id (`afterId` = older than it). Fetches limit + 1 so the caller knows of a next page. */
export async function listInboundMessages(db: Knex, filter: InboundFilter, limit: number, afterId?: number): Promise<InboundMessage[]> {
  const query = db('inbound_messages').orderBy('id', 'desc').limit(limit + 1);
  if (filter.phonePrefix) query.where('phone', '>=', filter.phonePrefix).andWhere('phone', '<', `${filter.phonePrefix}:`);
  if (filter.accountId !== undefined) query.where('account_id', filter.accountId);
  if (filter.text) query.whereRaw(containsIgnoringCase(db, 'text'), [filter.text]);
  if (filter.from) query.where('received_at', '>=', filter.from);
  if (filter.to) query.where('received_at', '<', filter.to);
  if (afterId !== undefined) query.where('id', '<', afterId);
  return (await query).map(toInbound);
}

/** One row of /inbox: the reply and the name of the account that received it (null once that account is deleted). */
export interface InboxRow extends InboundMessage {
  accountName: string | null;
}

/** Keyset position of /inbox: `after` = older than this id (next page), `before` = newer than it (previous page). */
export interface InboxCursor {
  after?: number;
  before?: number;
}

function filteredInbox(db: Knex, filter: InboundFilter): Knex.QueryBuilder {
  const query = db('inbound_messages as m');
  // The (phone, id) index read as a range: every number starting with the digits sorts below the digits + ':'.
  if (filter.phonePrefix) query.where('m.phone', '>=', filter.phonePrefix).andWhere('m.phone', '<', `${filter.phonePrefix}:`);
  if (filter.accountId !== undefined) query.where('m.account_id', filter.accountId);
  if (filter.text) query.whereRaw(containsIgnoringCase(db, 'm.text'), [filter.text]);
  if (filter.from) query.where('m.received_at', '>=', filter.from);
  if (filter.to) query.where('m.received_at', '<', filter.to);
  return query;
}

/**
 * One page of /inbox, newest first, with the account's name. With `before` the rows just newer than it are read
 * upwards and turned back, so a page is the same whichever direction it was reached from. Ask for one row more
 * than shown to learn whether another page follows.
 */
export async function listInboxPage(db: Knex, filter: InboundFilter, cursor: InboxCursor, limit: number): Promise<InboxRow[]> {
  const query = filteredInbox(db, filter)
    .leftJoin('carrier_accounts as a', 'a.id', 'm.account_id')
    .select('m.*', 'a.name as account_name')
    .limit(limit);
  const toRow = (r: Row): InboxRow => ({ ...toInbound(r), accountName: (r.account_name as string) ?? null });
  if (cursor.before !== undefined) {
    const rows = await query.where('m.id', '>', cursor.before).orderBy('m.id', 'asc');
    return rows.reverse().map(toRow);
  }
  if (cursor.after !== undefined) query.where('m.id', '<', cursor.after);
  return (await query.orderBy('m.id', 'desc')).map(toRow);
}

/** Whether any reply under the filter is older than `id` (the "next page" link of a page reached backwards). */
export async function hasInboundOlderThan(db: Knex, filter: InboundFilter, id: number): Promise<boolean> {
  return (await filteredInbox(db, filter).where('m.id', '<', id).first('m.id')) !== undefined;
}
