import type { Knex } from 'knex';

export interface InvalidRowRecord {
  rowNumber: number;
  value: string;
  /** The cells after the phone as typed; empty for rows stored before they were kept. */
  params: string[];
  reason: string;
  reasonParams: Record<string, string | number>;
}

export interface NewInvalidRow {
  row_number: number;
  value: string;
  params: string;
  reason: string;
  reason_params: string;
}

const INSERT_CHUNK = 150;

export async function insertInvalidRows(db: Knex, taskId: string, rows: readonly NewInvalidRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db('task_invalid_rows').insert(rows.slice(i, i + INSERT_CHUNK).map((r) => ({ ...r, task_id: taskId })));
  }
}

const toRecord = (r: Record<string, unknown>): InvalidRowRecord => ({
  rowNumber: r.row_number as number,
  value: r.value as string,
  params: r.params ? (JSON.parse(r.params as string) as string[]) : [],
  reason: r.reason as string,
  reasonParams: r.reason_params ? JSON.parse(r.reason_params as string) : {},
});

/** A page of invalid rows in file order, by keyset on the row number. */
export async function listInvalidRows(db: Knex, taskId: string, opts: { afterRow?: number; limit: number }): Promise<InvalidRowRecord[]> {
  const q = db('task_invalid_rows').where({ task_id: taskId }).orderBy('row_number').limit(opts.limit);
  if (opts.afterRow !== undefined) q.where('row_number', '>', opts.afterRow);
  return (await q).map(toRecord);
}

export async function* streamInvalidRows(db: Knex, taskId: string, batch = 1000): AsyncGenerator<InvalidRowRecord> {
  let after: number | undefined;
  for (;;) {
    const rows = await listInvalidRows(db, taskId, { afterRow: after, limit: batch });
    for (const r of rows) yield r;
    if (rows.length < batch) return;
    after = rows[rows.length - 1].rowNumber;
  }
}
