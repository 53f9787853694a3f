import type { Knex } from 'knex';

export interface TotpCredential {
  userId: number;
  /** The shared secret, sealed with the secret box (src/secrets/secret-box.ts). */
  secretBox: string;
  /** Null while enrolment waits for its first code. */
  confirmedAt: string | null;
  lastUsedStep: number | null;
}

interface Row {
  user_id: number;
  secret_box: string;
  confirmed_at: string | null;
  last_used_step: number | null;
}

const toCredential = (r: Row): TotpCredential => ({ userId: r.user_id, secretBox: r.secret_box, confirmedAt: r.confirmed_at, lastUsedStep: r.last_used_step });

export async function findTotpCredential(db: Knex, userId: number): Promise<TotpCredential | undefined> {
  const row = await db<Row>('totp_credentials').where({ user_id: userId }).first();
  return row ? toCredential(row) : undefined;
}

export async function userHasConfirmedTotp(db: Knex, userId: number): Promise<boolean> {
  return Boolean(await db('totp_credentials').where({ user_id: userId }).whereNotNull('confirmed_at').first('id'));
}

/** The users with two-factor sign-in on, for the user list. */
export async function listUserIdsWithTotp(db: Knex): Promise<number[]> {
  return db('totp_credentials').whereNotNull('confirmed_at').pluck('user_id');
}

/** A new unconfirmed secret, replacing an earlier unconfirmed one (a confirmed one is never overwritten here). */
export async function savePendingTotp(db: Knex, userId: number, secretBox: string): Promise<void> {
  const now = new Date().toISOString();
  await db('totp_credentials')
    .insert({ user_id: userId, secret_box: secretBox, confirmed_at: null, last_used_step: null, created_at: now, updated_at: now })
    .onConflict('user_id')
    .merge(['secret_box', 'updated_at']);
}

export async function confirmTotp(db: Knex, userId: number, step: number): Promise<void> {
  const now = new Date().toISOString();
  await db('totp_credentials').where({ user_id: userId }).whereNull('confirmed_at').update({ confirmed_at: now, last_used_step: step, updated_at: now });
}

/**
 * Moves last_used_step on to `step` only if it is later than the last one used: the compare and the write are one
 * statement, so two requests with the same code cannot both succeed. True when this call took the step.
 */
export async function claimTotpStep(db: Knex, userId: number, step: number): Promise<boolean> {
  const changed = await db('totp_credentials')
    .where({ user_id: userId })
    .whereNotNull('confirmed_at')
    .andWhere((q) => q.whereNull('last_used_step').orWhere('last_used_step', '<', step))
    .update({ last_used_step: step, updated_at: new Date().toISOString() });
  return changed === 1;
}

export async function deleteTotpCredential(db: Knex, userId: number): Promise<number> {
  return db('totp_credentials').where({ user_id: userId }).delete();
}
