import type { Knex } from 'knex';

export async function replaceRecoveryCodes(db: Knex, userId: number, codeHashes: string[]): Promise<void> {
  const now = new Date().toISOString();
  await db('recovery_codes').where({ user_id: userId }).delete();
  await db('recovery_codes').insert(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now })));
}

/** Marks an unused code as used; the check and the write are one statement, so a code works once even under a race. */
export async function useRecoveryCode(db: Knex, userId: number, codeHash: string): Promise<boolean> {
  const changed = await db('recovery_codes').where({ user_id: userId, code_hash: codeHash }).whereNull('used_at').update({ used_at: new Date().toISOString() });
  return changed === 1;
}

export async function countUnusedRecoveryCodes(db: Knex, userId: number): Promise<number> {
  const row = await db('recovery_codes').where({ user_id: userId }).whereNull('used_at').count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function deleteRecoveryCodes(db: Knex, userId: number): Promise<number> {
  return db('recovery_codes').where({ user_id: userId }).delete();
}
