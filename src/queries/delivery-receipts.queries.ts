import type Database from 'better-sqlite3';
import { runCompiled } from '../db/sqlite-statements';
import type { Knex } from 'knex';
import { applyReceipts, type ReceiptTarget } from './message-transitions.queries';

export interface ReceiptUpdate {
  carrierMessageId: string;
  status: 'delivered' | 'failed';
  code: string;
  description: string;
  reportedAtIso: string;
}

/**
 * Applies delivery receipts in the caller's transaction. Only messages still `submitted` change, so a repeated
 * receipt changes nothing. A receipt whose carrier id we do not know yet is kept as an orphan (see the migration) and
 * adopted when the message's acceptance is recorded. Returns the carrier ids ignored as already final.
 */
export async function applyDeliveryReceipts(trx: Knex.Transaction, updates: readonly ReceiptUpdate[], nowIso: string): Promise<string[]> {
  const ignored: string[] = [];
  const targets: ReceiptTarget[] = [];
  const partIds = await partCarrierIds(trx, updates.map((u) => u.carrierMessageId));
  for (const u of updates) {
    const part = partIds.has(u.carrierMessageId) ? await applyPartReceipt(trx, u) : null;
    if (part === 'repeat') ignored.push(u.carrierMessageId);
    if (part !== 'waiting' && part !== 'repeat') targets.push({ ...u, messageId: part });
  }
  const changed = await applyReceipts(trx, targets);
  for (const [i, u] of targets.entries()) {
    if (changed[i]) continue;
    const known = u.messageId !== null ? undefined : ((await trx('messages').where({ carrier_message_id: u.carrierMessageId }).first('status')) as { status: string } | undefined);
    // PostgreSQL: the acceptance can commit between the update and the look-up (each statement reads what was
    // committed when it began), so the look-up finds the message `submitted` that the update missed: once more, or
    // the receipt would be dropped as one for a final message (issue 13, the three-instance fault test).
    if (known?.status === 'submitted' && (await applyReceipts(trx, [u]))[0]) continue;
    if (u.messageId !== null || known) {
      ignored.push(u.carrierMessageId);
      continue;
    }
    await trx('orphan_receipts')
      .insert({ carrier_message_id: u.carrierMessageId, status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso, received_at: nowIso })
      .onConflict('carrier_message_id')
      .ignore();
  }
  return ignored;
}

const PART_LOOKUP_CHUNK = 500;

/**
 * Which of these carrier ids are a part's (message_parts): one look-up for the batch, so that the receipts of
 * single-part messages, nearly all of them, cost no statement of their own here (on PostgreSQL each is a round trip).
 */
async function partCarrierIds(trx: Knex, carrierIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < carrierIds.length; i += PART_LOOKUP_CHUNK) {
    const ids = (await trx('message_parts').whereIn('carrier_message_id', carrierIds.slice(i, i + PART_LOOKUP_CHUNK) as string[]).distinct().pluck('carrier_message_id')) as string[];
    for (const id of ids) found.add(id);
  }
  return found;
}

/**
 * A receipt for one part of a several-part message (message_parts). Returns null when the id is not a part's (the
 * caller treats it as a whole message's); 'repeat' when that part already had its final receipt; 'waiting' when the
 * part is delivered but others are not yet; else the message id to update: any failed part fails the message (the
 * first failure to arrive gives the code, as the message is no longer `submitted` after it), and the last delivered
 * part delivers it.
 */
async function applyPartReceipt(trx: Knex, u: ReceiptUpdate): Promise<number | null | 'waiting' | 'repeat'> {
  const [part] = (await trx('message_parts')
    .where({ carrier_message_id: u.carrierMessageId, status: 'submitted' })
    .update({ status: u.status, code: u.code, description: u.description, reported_at: u.reportedAtIso })
    .returning(['message_id'])) as { message_id: number }[];
  if (!part) return (await trx('message_parts').where({ carrier_message_id: u.carrierMessageId }).first('id')) ? 'repeat' : null;
  if (u.status === 'failed') return part.message_id;
  const open = await trx('message_parts').where({ message_id: part.message_id }).whereNot('status', 'delivered').first('id');
  return open ? 'waiting' : part.message_id;
}

/**
 * Orphan receipts whose message is known by now. The run that recorded the acceptance adopts them at once
 * (adoptOrphanReceipts), but a run that died or failed between those two steps left them waiting, and the carrier
 * will not send them again: each receipt pull picks them up, so they are applied late instead of never.
 */
export async function adoptKnownOrphans(db: Knex.Transaction, nowIso: string, limit = 500): Promise<number> {
  // EXISTS, not a join: SQLite (with no statistics) would otherwise drive the join from the messages side and walk
  // the carrier-id index of every message ever sent on each receipt pull, to find the few orphans.
  const carrierIds = (await db('orphan_receipts as o')
    .where((q) =>
      q
        .whereExists(db('messages as m').whereRaw('m.carrier_message_id = o.carrier_message_id').select(db.raw('1')))
        .orWhereExists(db('message_parts as p').whereRaw('p.carrier_message_id = o.carrier_message_id').select(db.raw('1'))),
    )
    .limit(limit)
    .pluck('o.carrier_message_id')) as string[];
  return adoptOrphanReceipts(db, carrierIds, nowIso);
}

/** Applies orphan receipts that belong to messages whose carrier ids were just recorded, in the caller's transaction. */
const anyOrphan = (db: Knex) => db('orphan_receipts').first('carrier_message_id');

/** Whether any receipt waits for its message's acceptance, on a SQLite connection held outside knex (`db` compiles). */
export function anyOrphanReceiptOn(conn: Database.Database, db: Knex): boolean {
  return runCompiled(conn, anyOrphan(db)).rows.length > 0;
}

export async function adoptOrphanReceipts(trx: Knex.Transaction, carrierIds: readonly string[], nowIso: string): Promise<number> {
  if (carrierIds.length === 0) return 0;
  // Almost every batch meets no orphan at all (the table is empty): one row looked for first, not an IN list of the
  // batch's every carrier id (200 bound values, 0.1-0.2 ms a batch: about 1 µs a message at SMPP speed). One inserted
  // meanwhile is picked up by adoptKnownOrphans at the next receipt pull, as it is when it comes after the IN list.
  if (!(await anyOrphan(trx))) return 0;
  const orphans = await trx('orphan_receipts').whereIn('carrier_message_id', carrierIds as string[]);
  if (orphans.length === 0) return 0;
  await applyDeliveryReceipts(
    trx,
    orphans.map((o: Record<string, string>) => ({
      carrierMessageId: o.carrier_message_id,
      status: o.status as ReceiptUpdate['status'],
      code: o.code,
      description: o.description,
      reportedAtIso: o.reported_at,
    })),
    nowIso,
  );
  await trx('orphan_receipts').whereIn('carrier_message_id', orphans.map((o: Record<string, string>) => o.carrier_message_id)).delete();
  return orphans.length;
}
