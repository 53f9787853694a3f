import type { Knex } from 'knex';

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
 */
export async function recordAccepted(db: Knex, entries: readonly LedgerEntry[], nowIso: string): Promise<Map<string, string>> {
  return db.transaction(async (trx) => {
    const keys = entries.map((e) => e.idempotencyKey);
    // Counting the resubmissions comes first, before any read: see WRITE FIRST in dispatch.queries.ts.
    for (let i = 0; i < keys.length; i += 500) {
      await trx('stub_carrier_ledger').whereIn('idempotency_key', keys.slice(i, i + 500)).increment('submissions', 1);
    }
    const existing = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await trx('stub_carrier_ledger').whereIn('idempotency_key', keys.slice(i, i + 500)).select('idempotency_key', 'carrier_message_id');
      for (const r of rows) existing.set(r.idempotency_key, r.carrier_message_id);
    }
    const fresh = entries.filter((e) => !existing.has(e.idempotencyKey));
    for (let i = 0; i < fresh.length; i += 80) {
      await trx('stub_carrier_ledger').insert(
        fresh.slice(i, i + 80).map((e) => ({
          idempotency_key: e.idempotencyKey,
          carrier_message_id: e.carrierMessageId,
          phone: e.phone,
          content: e.content,
          outcome_code: e.outcomeCode,
          accepted_at: nowIso,
          report_at: e.reportAt,
        })),
      );
    }
    const ids = new Map(existing);
    for (const e of fresh) ids.set(e.idempotencyKey, e.carrierMessageId);
    return ids;
  });
}

export interface DueReport {
  id: number;
  carrierMessageId: string;
  outcomeCode: string;
  reportAt: string;
}

export async function dueReports(db: Knex, nowIso: string, limit: number): Promise<DueReport[]> {
  const rows = await db('stub_carrier_ledger').whereNull('reported_at').where('report_at', '<=', nowIso).orderBy('report_at').limit(limit);
  return rows.map((r: Record<string, unknown>) => ({
    id: r.id as number,
    carrierMessageId: r.carrier_message_id as string,
    outcomeCode: r.outcome_code as string,
    reportAt: r.report_at as string,
  }));
}

export async function markReported(db: Knex, ids: readonly number[], nowIso: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db('stub_carrier_ledger').whereIn('id', ids.slice(i, i + 500)).update({ reported_at: nowIso });
  }
}
