import type { Knex } from 'knex';

/** A Qunfa template or signature, by name, mapped to what a cloud account's provider calls it. */
export type MappedItem = 'template' | 'signature';

export interface CarrierMapping {
  id: number;
  accountId: number;
  item: MappedItem;
  name: string;
  providerRef: string;
  paramNames: string[] | null;
  mismatch: 'variables' | 'text' | null;
  providerText: string | null;
  updatedAt: string;
}

export interface MappingWrite {
  accountId: number;
  item: MappedItem;
  name: string;
  providerRef: string;
  paramNames?: string[] | null;
  mismatch?: 'variables' | 'text' | null;
  providerText?: string | null;
}

type Row = Record<string, unknown>;

const toMapping = (r: Row): CarrierMapping => ({
  id: r.id as number,
  accountId: r.account_id as number,
  item: r.item as MappedItem,
  name: r.name as string,
  providerRef: r.provider_ref as string,
  paramNames: r.param_names ? (JSON.parse(r.param_names as string) as string[]) : null,
  mismatch: (r.mismatch as CarrierMapping['mismatch']) ?? null,
  providerText: (r.provider_text as string) ?? null,
  updatedAt: r.updated_at as string,
});

export async function findMapping(db: Knex, accountId: number, item: MappedItem, name: string): Promise<CarrierMapping | undefined> {
  const row = await db('carrier_mappings').where({ account_id: accountId, item, name }).first();
  return row ? toMapping(row) : undefined;
}

export async function listMappingsFor(db: Knex, item: MappedItem, name: string): Promise<CarrierMapping[]> {
  return (await db('carrier_mappings').where({ item, name }).orderBy('account_id')).map(toMapping);
}

/** Inserts or replaces the mapping of (account, item, name). */
export async function upsertMapping(db: Knex, mapping: MappingWrite): Promise<void> {
  const now = new Date().toISOString();
  await db('carrier_mappings')
    .insert({
      account_id: mapping.accountId,
      item: mapping.item,
      name: mapping.name,
      provider_ref: mapping.providerRef,
      param_names: mapping.paramNames ? JSON.stringify(mapping.paramNames) : null,
      mismatch: mapping.mismatch ?? null,
      provider_text: mapping.providerText ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict(['account_id', 'item', 'name'])
    .merge(['provider_ref', 'param_names', 'mismatch', 'provider_text', 'updated_at']);
}

export async function deleteMapping(db: Knex, accountId: number, item: MappedItem, name: string): Promise<void> {
  await db('carrier_mappings').where({ account_id: accountId, item, name }).delete();
}
