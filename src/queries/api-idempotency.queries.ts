import type { Knex } from 'knex';

export interface StoredAnswer {
  status: number;
  body: string;
}

export async function findStoredAnswer(db: Knex, apiKeyId: number, idemKey: string): Promise<StoredAnswer | undefined> {
  const row = await db('api_idempotency').where({ api_key_id: apiKeyId, idem_key: idemKey }).first('status', 'body');
  return row ? { status: row.status as number, body: row.body as string } : undefined;
}

/** Fails on the unique (api_key_id, idem_key) constraint when an answer for this pair already exists. */
export async function insertStoredAnswer(db: Knex, apiKeyId: number, idemKey: string, answer: StoredAnswer): Promise<void> {
  await db('api_idempotency').insert({ api_key_id: apiKeyId, idem_key: idemKey, status: answer.status, body: answer.body, created_at: new Date().toISOString() });
}


export async function deleteStoredAnswersBefore(db: Knex, beforeIso: string): Promise<number> {
  return db('api_idempotency').where('created_at', '<', beforeIso).delete();
}
