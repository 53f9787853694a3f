import type { Knex } from 'knex';

export interface Receipt {
  id: number;
  messageId: number;
  taskId: string;
  phone: string;
  status: string;
  code: string | null;
  description: string | null;
  sentAt: string | null;
  reportedAt: string;
}

type Row = Record<string, unknown>;

const toReceipt = (r: Row): Receipt => ({
  id: r.id as number,
  messageId: r.message_id as number,
  taskId: r.task_id as string,
  phone: r.phone as string,
  status: r.status as string,
  code: (r.code as string) ?? null,
  description: (r.description as string) ?? null,
  sentAt: (r.sent_at as string) ?? null,
  reportedAt: r.reported_at as string,
});

/** Receipts after `afterId` in id order (the index on (task_id, id) serves the filtered form). */
export async function listReceiptsAfter(db: Knex, opts: { afterId: number; taskId: string | null; limit: number }): Promise<Receipt[]> {
  const q = db('receipts').where('id', '>', opts.afterId).orderBy('id').limit(opts.limit);
  if (opts.taskId !== null) q.where('task_id', opts.taskId);
  return (await q).map(toReceipt);
}
