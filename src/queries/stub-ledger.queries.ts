import type { Knex } from 'knex';
import { dbClockIso, jsonArrayRows, rowsOf, skipLocked } from '../db/dialect';

export interface LedgerEntry {
  idempotencyKey: string;
  carrierMessageId: string;
  phone: string;
  content: string;
  outcomeCode: string;
  reportAt: string;
}

/**
 * Records accepted messages once per idempotency key. A key seen before keeps its first carrier id and
 * outcome (only its submission count grows), which is how the stub de-duplicates resubmissions.
 *
 * One upsert: a new key is inserted, a known one only
 * has `submissions` incremented, and RETURNING answers the carrier id each key holds now, i.e. its first. The
 * entries go in as one JSON array read by json_each (jsonb_array_elements on PostgreSQL), so the statement's text does not grow with the batch: SQLite
 * parsed a multi-row insert (a `select … union all select …` of 7 bound values a row, in chunks) for about as long
 * as it ran it. (It used to be an increment, a look-up and the inserts: six statements for a batch of 200.)
 */
export async function recordAccepted(db: Knex, entries: readonly LedgerEntry[], nowIso: string): Promise<Map<string, string>> {
  if (entries.length === 0) return new Map();
  const json = JSON.stringify(entries.map((e) => [e.idempotencyKey, e.carrierMessageId, e.phone, e.content, e.outcomeCode, e.reportAt]));
  // One statement is atomic on its own: no transaction around it.
  const rows = rowsOf<{ idempotency_key: string; carrier_message_id: string }>(await db.raw(
    `insert into stub_carrier_ledger (idempotency_key, carrier_message_id, phone, content, outcome_code, accepted_at, report_at)
     select e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, cast(? as text), e.value ->> 5 from ${jsonArrayRows(db)} where true
     on conflict (idempotency_key) do update set submissions = stub_carrier_ledger.submissions + 1
     returning idempotency_key, carrier_message_id`,
    [nowIso, json],
  ));
  return new Map(rows.map((r) => [r.idempotency_key, r.carrier_message_id]));
}

export interface DueReport {
  id: number;
  carrierMessageId: string;
  outcomeCode: string;
  reportAt: string;
}

/** How long receipts handed to one poller are kept from the others: past it, a poller that died has them delivered again. */
export const REPORT_CLAIM_MS = 30_000;

/**
 * Claims up to `limit` receipts due by `nowIso` (the simulated carrier's own clock, which planned them) that no other
 * poller holds, for REPORT_CLAIM_MS on the database's clock, in one UPDATE … RETURNING: with several instances each
 * receipt goes to one of them (on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so pollers at once take
 * different ones instead of queueing; SQLite's single writer runs the statement whole). They stay unreported until
 * markReported, so a poller that dies in between loses none.
 */
export async function dueReports(db: Knex, nowIso: string, limit: number): Promise<DueReport[]> {
  const due = db('stub_carrier_ledger')
    .select('id')
    .whereNull('reported_at')
    .where('report_at', '<=', nowIso)
    .where((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', dbClockIso(db)))
    .orderBy('report_at')
    .limit(limit);
  // Picked once, as a materialized CTE: a subquery in `id in (…)` may be run again per row, and SKIP LOCKED then
  // passes over the rows this statement just claimed and takes others beyond the limit.
  const rows = await db
    .withMaterialized('due', skipLocked(db, due))
    .from('stub_carrier_ledger')
    .whereIn('id', db.select('id').from('due'))
    .update({ claimed_until: dbClockIso(db, REPORT_CLAIM_MS) })
    .returning(['id', 'carrier_message_id', 'outcome_code', 'report_at']);
  return rows
    .map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      carrierMessageId: r.carrier_message_id as string,
      outcomeCode: r.outcome_code as string,
      reportAt: r.report_at as string,
    }))
    .sort((x: DueReport, y: DueReport) => (x.reportAt < y.reportAt ? -1 : x.reportAt > y.reportAt ? 1 : x.id - y.id));
}

export async function markReported(db: Knex, ids: readonly number[], nowIso: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db('stub_carrier_ledger').whereIn('id', ids.slice(i, i + 500)).update({ reported_at: nowIso });
  }
}
