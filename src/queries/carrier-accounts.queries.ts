import type { Knex } from 'knex';
import type { CarrierKind, CarrierSettings } from '../carrier/carrier-account.fields';
import { duplicateOrRethrow } from './catalogue.queries';

export const CARRIER_STATES = ['connected', 'binding', 'down'] as const;
export type CarrierState = (typeof CARRIER_STATES)[number];

export interface CarrierAccount {
  id: number;
  name: string;
  kind: CarrierKind;
  enabled: boolean;
  settings: CarrierSettings;
  /** The sealed secrets (src/secrets/secret-box.ts), or null when the account has none. Never rendered. */
  secretsBox: string | null;
  state: CarrierState;
  lastError: string | null;
  stateSince: string;
  createdAt: string;
  updatedAt: string;
}

type Row = Record<string, unknown>;

const toAccount = (r: Row): CarrierAccount => ({
  id: r.id as number,
  name: r.name as string,
  kind: r.kind as CarrierKind,
  enabled: Boolean(r.enabled),
  settings: JSON.parse((r.settings as string) || '{}') as CarrierSettings,
  secretsBox: (r.secrets as string) ?? null,
  state: r.state as CarrierState,
  lastError: (r.last_error as string) ?? null,
  stateSince: r.state_since as string,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

export async function listCarrierAccounts(db: Knex): Promise<CarrierAccount[]> {
  return (await db('carrier_accounts').orderBy('name')).map(toAccount);
}

export async function findCarrierAccount(db: Knex, id: number): Promise<CarrierAccount | undefined> {
  const row = await db('carrier_accounts').where({ id }).first();
  return row ? toAccount(row) : undefined;
}

export async function findCarrierAccountByName(db: Knex, name: string): Promise<CarrierAccount | undefined> {
  const row = await db('carrier_accounts').where({ name }).first();
  return row ? toAccount(row) : undefined;
}

export interface AccountWrite {
  name: string;
  kind: CarrierKind;
  settings: CarrierSettings;
  /** Undefined leaves the stored box as it is. */
  secretsBox?: string | null;
  enabled?: boolean;
}

/** A new account starts in `state`: the stub answers at once, a real link is down until its connector binds. */
export async function insertCarrierAccount(db: Knex, account: AccountWrite & { state: CarrierState }): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('carrier_accounts')
    .insert({
      name: account.name,
      kind: account.kind,
      enabled: account.enabled ?? true,
      settings: JSON.stringify(account.settings),
      secrets: account.secretsBox ?? null,
      state: account.state,
      state_since: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .catch(duplicateOrRethrow);
  return typeof row === 'object' ? row.id : row;
}

/** A changed kind also resets the live state, which described the old kind's link. */
export async function updateCarrierAccount(db: Knex, id: number, account: AccountWrite & { state?: CarrierState }): Promise<void> {
  const now = new Date().toISOString();
  const fields: Row = { name: account.name, kind: account.kind, settings: JSON.stringify(account.settings), updated_at: now };
  if (account.secretsBox !== undefined) fields.secrets = account.secretsBox;
  if (account.enabled !== undefined) fields.enabled = account.enabled;
  if (account.state !== undefined) Object.assign(fields, { state: account.state, last_error: null, state_since: now });
  await db('carrier_accounts').where({ id }).update(fields).catch(duplicateOrRethrow);
}

export async function setCarrierAccountEnabled(db: Knex, id: number, enabled: boolean): Promise<void> {
  await db('carrier_accounts').where({ id }).update({ enabled, updated_at: new Date().toISOString() });
}

export async function deleteCarrierAccount(db: Knex, id: number): Promise<void> {
  await db('carrier_accounts').where({ id }).delete();
}

/** Tasks whose route was frozen to this account: their history (and a later resend) names it. */
export async function countTasksUsingAccount(db: Knex, id: number): Promise<number> {
  const row = await db('tasks').where({ carrier_account_id: id }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * The live state the connector writes (connected / binding / down, the last error, since when). It leaves
 * updated_at alone: that stamp tells the carrier pool the account's settings changed and its link must be rebuilt.
 */
export async function setCarrierAccountState(db: Knex, id: number, state: CarrierState, lastError: string | null): Promise<void> {
  await db('carrier_accounts').where({ id }).update({ state, last_error: lastError, state_since: new Date().toISOString() });
}
