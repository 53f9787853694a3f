import type { Knex } from 'knex';

export interface TestSendWrite {
  accountId: number;
  phone: string;
  text: string;
  accepted: boolean;
  carrierMessageIds: readonly string[];
  code: string | null;
  description: string | null;
  createdBy: number;
}

export interface TestSendRow extends Omit<TestSendWrite, 'createdBy'> {
  id: number;
  createdAt: string;
  /** The receipt for its (last) part, once one arrived. */
  receipt: { delivered: boolean; code: string; description: string; receivedAt: string } | null;
}

export async function insertTestSend(db: Knex, send: TestSendWrite): Promise<number> {
  const [row] = await db('carrier_test_sends')
    .insert({
      account_id: send.accountId,
      phone: send.phone,
      text: send.text,
      accepted: send.accepted,
      carrier_message_ids: JSON.stringify(send.carrierMessageIds),
      code: send.code,
      description: send.description,
      created_by: send.createdBy,
      created_at: new Date().toISOString(),
    })
    .returning('id');
  return typeof row === 'object' ? row.id : row;
}

/** The account's latest test sends, newest first, each with its receipt when one came (SMPP inbox or simulator). */
export async function recentTestSends(db: Knex, accountId: number, limit = 5): Promise<TestSendRow[]> {
  const rows = (await db('carrier_test_sends').where({ account_id: accountId }).orderBy('id', 'desc').limit(limit)) as Record<string, unknown>[];
  const out: TestSendRow[] = [];
  for (const r of rows) {
    const ids = JSON.parse((r.carrier_message_ids as string) || '[]') as string[];
    const last = ids[ids.length - 1];
    let receipt: TestSendRow['receipt'] = null;
    if (last !== undefined) {
      const inbox = await db('carrier_receipt_inbox').where({ account_id: accountId, carrier_message_id: last }).whereNot('outcome', 'unparseable').orderBy('id', 'desc').first();
      if (inbox) receipt = { delivered: inbox.outcome === 'delivered', code: inbox.code, description: inbox.description, receivedAt: inbox.received_at };
      const orphan = inbox ? undefined : await db('orphan_receipts').where({ carrier_message_id: last }).first();
      if (orphan) receipt = { delivered: orphan.status === 'delivered', code: orphan.code, description: orphan.description, receivedAt: orphan.received_at };
    }
    out.push({
      id: r.id as number,
      accountId,
      phone: r.phone as string,
      text: r.text as string,
      accepted: Boolean(r.accepted),
      carrierMessageIds: ids,
      code: (r.code as string) ?? null,
      description: (r.description as string) ?? null,
      createdAt: r.created_at as string,
      receipt,
    });
  }
  return out;
}
