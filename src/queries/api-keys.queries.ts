import type { Knex } from 'knex';

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  createdBy: number;
  createdByName: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type Row = Record<string, unknown>;

const toApiKey = (r: Row): ApiKey => ({
  id: r.id as number,
  name: r.name as string,
  prefix: r.prefix as string,
  createdBy: r.created_by as number,
  createdByName: (r.creator_name as string) ?? null,
  createdAt: r.created_at as string,
  lastUsedAt: (r.last_used_at as string) ?? null,
  revokedAt: (r.revoked_at as string) ?? null,
});

function baseSelect(db: Knex) {
  return db('api_keys as k').leftJoin('users as u', 'u.id', 'k.created_by').select('k.*', 'u.username as creator_name');
}

export async function insertApiKey(db: Knex, row: { name: string; prefix: string; key_hash: string; created_by: number }): Promise<number> {
  const [inserted] = await db('api_keys').insert({ ...row, created_at: new Date().toISOString() }).returning('id');
  return typeof inserted === 'object' ? inserted.id : inserted;
}

/** Active keys first, each group newest first. */
export async function listApiKeys(db: Knex): Promise<ApiKey[]> {
  const rows = await baseSelect(db).orderByRaw('k.revoked_at is not null').orderBy('k.id', 'desc');
  return rows.map(toApiKey);
}

export async function findApiKey(db: Knex, id: number): Promise<ApiKey | undefined> {
  const row = await baseSelect(db).where('k.id', id).first();
  return row ? toApiKey(row) : undefined;
}

/** Revoked keys are returned too: the caller decides, so that "revoked" and "unknown" can be told apart in logs. */
export async function findApiKeyByHash(db: Knex, keyHash: string): Promise<ApiKey | undefined> {
  const row = await baseSelect(db).where('k.key_hash', keyHash).first();
  return row ? toApiKey(row) : undefined;
}

/** Only an active key is revoked (a second revoke keeps the first time); returns whether this call did it. */
export async function revokeApiKey(db: Knex, id: number, nowIso: string): Promise<boolean> {
  return (await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: nowIso })) > 0;
}

export async function touchApiKey(db: Knex, id: number, nowIso: string): Promise<void> {
  await db('api_keys').where({ id }).update({ last_used_at: nowIso });
}
