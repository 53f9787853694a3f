import type { Knex } from 'knex';

/** A message a cloud account must still ask its provider about (migration 181). */
export interface ReceiptWaitRow {
  carrierMessageId: string;
  phone: string;
  sentAt: string;
}

/** Rows per insert: SQLite's bound-variable limit, with four columns a row. */
const ROWS_PER_INSERT = 200;

export async function addReceiptWaits(db: Knex, accountId: number, rows: readonly ReceiptWaitRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const piece = rows.slice(i, i + ROWS_PER_INSERT).map((r) => ({ account_id: accountId, carrier_message_id: r.carrierMessageId, phone: r.phone, sent_at: r.sentAt }));
    // A message looked up again after a lost answer may be there already.
    await db('cloud_receipt_waits').insert(piece).onConflict(['account_id', 'carrier_message_id']).ignore();
  }
}

/**
 * Up to `limit` waiting messages, never asked or asked longest ago first, marked asked at `nowIso`. Waits sent
 * before `giveUpBeforeIso` are dropped first: the provider keeps receipts only so long, and asking forever for one
 * that never came would cost a query a pull.
 */
export async function takeReceiptWaitsToAsk(db: Knex, accountId: number, limit: number, nowIso: string, giveUpBeforeIso: string): Promise<ReceiptWaitRow[]> {
  return db.transaction(async (trx) => {
    await trx('cloud_receipt_waits').where({ account_id: accountId }).where('sent_at', '<', giveUpBeforeIso).delete();
    // Never asked (null) first: SQLite and PostgreSQL differ on where nulls sort, so it is said explicitly.
    const rows = (await trx('cloud_receipt_waits')
      .where({ account_id: accountId })
      .orderByRaw('asked_at is not null, asked_at, id')
      .limit(limit)
      .select('id', 'carrier_message_id', 'phone', 'sent_at')) as { id: number; carrier_message_id: string; phone: string; sent_at: string }[];
    for (let i = 0; i < rows.length; i += 500) {
      await trx('cloud_receipt_waits').whereIn('id', rows.slice(i, i + 500).map((r) => r.id)).update({ asked_at: nowIso });
    }
    return rows.map((r) => ({ carrierMessageId: r.carrier_message_id, phone: r.phone, sentAt: r.sent_at }));
  });
}

export async function anyReceiptWait(db: Knex, accountId: number): Promise<boolean> {
  return Boolean(await db('cloud_receipt_waits').where({ account_id: accountId }).first('id'));
}

/** Their receipt arrived (pulled and applied, or pushed by a callback). */
export async function removeReceiptWaits(db: Knex, accountId: number, carrierMessageIds: readonly string[]): Promise<void> {
  for (let i = 0; i < carrierMessageIds.length; i += 500) {
    await db('cloud_receipt_waits').where({ account_id: accountId }).whereIn('carrier_message_id', carrierMessageIds.slice(i, i + 500)).delete();
  }
}
