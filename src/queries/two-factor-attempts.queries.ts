import type { Knex } from 'knex';

export async function countRecentCodeFailures(db: Knex, userId: number, ip: string, sinceIso: string): Promise<number> {
  const row = await db('two_factor_attempts').where({ user_id: userId, ip }).where('created_at', '>=', sinceIso).count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function oldestRecentCodeFailure(db: Knex, userId: number, ip: string, sinceIso: string): Promise<string | undefined> {
  const row = await db('two_factor_attempts').where({ user_id: userId, ip }).where('created_at', '>=', sinceIso).min<{ t: string }[]>({ t: 'created_at' }).first();
  return row?.t ?? undefined;
}

export async function recordCodeAttempt(db: Knex, userId: number, ip: string, nowIso: string): Promise<void> {
  await db('two_factor_attempts').insert({ user_id: userId, ip, created_at: nowIso });
}

export async function deletePairCodeAttemptsBefore(db: Knex, userId: number, ip: string, beforeIso: string): Promise<number> {
  return db('two_factor_attempts').where({ user_id: userId, ip }).where('created_at', '<', beforeIso).delete();
}

export async function clearCodeFailures(db: Knex, userId: number, ip: string): Promise<void> {
  await db('two_factor_attempts').where({ user_id: userId, ip }).delete();
}

export async function deleteCodeAttemptsBefore(db: Knex, beforeIso: string): Promise<number> {
  return db('two_factor_attempts').where('created_at', '<', beforeIso).delete();
}

export async function deleteUserCodeAttempts(db: Knex, userId: number): Promise<number> {
  return db('two_factor_attempts').where({ user_id: userId }).delete();
}
