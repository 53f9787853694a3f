import type { Knex } from 'knex';

export async function countRecentFailures(db: Knex, username: string, ip: string, sinceIso: string): Promise<number> {
  const row = await db('login_attempts')
    .where({ username, ip })
    .where('created_at', '>=', sinceIso)
    .count<{ n: number }[]>({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

export async function oldestRecentFailure(db: Knex, username: string, ip: string, sinceIso: string): Promise<string | undefined> {
  const row = await db('login_attempts').where({ username, ip }).where('created_at', '>=', sinceIso).min<{ t: string }[]>({ t: 'created_at' }).first();
  return row?.t ?? undefined;
}

export async function recordAttempt(db: Knex, username: string, ip: string, nowIso: string): Promise<void> {
  await db('login_attempts').insert({ username, ip, created_at: nowIso });
}

/** This pair's attempts older than the window (the index leads with username and ip, so this stays cheap). */
export async function deletePairAttemptsBefore(db: Knex, username: string, ip: string, beforeIso: string): Promise<number> {
  return db('login_attempts').where({ username, ip }).where('created_at', '<', beforeIso).delete();
}

export async function clearFailures(db: Knex, username: string, ip: string): Promise<void> {
  await db('login_attempts').where({ username, ip }).delete();
}

export async function deleteFailuresBefore(db: Knex, beforeIso: string): Promise<number> {
  return db('login_attempts').where('created_at', '<', beforeIso).delete();
}
