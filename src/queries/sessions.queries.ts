import type { Knex } from 'knex';

export async function deleteExpiredSessions(db: Knex, nowIso: string): Promise<number> {
  return db('sessions').where('expired', '<', nowIso).delete();
}
