import type { Knex } from 'knex';

/**
 * A cloud account the provider refused (bad credentials, no balance) is down, with the stored code as its last
 * error (the /carriers page shows its remark). Leaving `down` is an admin's edit of the account (a changed key) or
 * the next successful call (`markCloudAccountUp`). Neither touches `updated_at`: that stamps an admin's edit, and the
 * dispatcher's carrier pool rebuilds an account's carrier when it changes, which a state change must not cause.
 */
export async function markCloudAccountDown(db: Knex, accountId: number, code: string): Promise<void> {
  const now = new Date().toISOString();
  await db('carrier_accounts').where({ id: accountId }).update({ state: 'down', last_error: code, state_since: now });
}

export async function markCloudAccountUp(db: Knex, accountId: number): Promise<void> {
  const now = new Date().toISOString();
  await db('carrier_accounts').where({ id: accountId }).whereNot({ state: 'connected' }).update({ state: 'connected', last_error: null, state_since: now });
}
