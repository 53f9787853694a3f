import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { HttpError } from '../http-error';
import { findApiKey, findApiKeyByHash, insertApiKey, revokeApiKey, touchApiKey, type ApiKey } from '../queries/api-keys.queries';
import { findUserById, type User } from '../queries/users.queries';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';

/**
 * Keys look like `qf_<prefix>_<secret>`: `qf_` says what it is (and lets secret scanners spot a leaked key), the
 * 8-hex-digit prefix is shown in the list so people can tell keys apart, the secret is 32 random bytes in base64url.
 * Only SHA-256 of the whole key is stored: the key carries 256 bits of randomness, so a slow password hash would add
 * nothing but latency, and a plain hash lets a request find its key with one indexed lookup.
 */
const KEY_PATTERN = /^qf_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;
/** Touching `last_used_at` on every request would make each API read a write; once a minute is precise enough. */
export const LAST_USED_GRANULARITY_MS = 60_000;

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

export async function createApiKey(db: Knex, input: { name: string; createdBy: number }, by: AuditContext = SYSTEM_CONTEXT): Promise<{ id: number; key: string; prefix: string }> {
  const prefix = crypto.randomBytes(4).toString('hex');
  const key = `qf_${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
  return db.transaction(async (trx) => {
    const id = await insertApiKey(trx, { name: input.name, prefix, key_hash: hashApiKey(key), created_by: input.createdBy });
    // The name and the prefix shown in the list; the key itself exists only in the answer that shows it once.
    await recordAudit(trx, { ...by, action: 'api_key.created', object: { type: 'api_key', id }, summary: { after: { name: input.name, prefix } } });
    return { id, key, prefix };
  });
}

export async function revokeKey(db: Knex, id: number, now = new Date(), by: AuditContext = SYSTEM_CONTEXT): Promise<ApiKey> {
  return db.transaction(async (trx) => {
    const key = await findApiKey(trx, id);
    if (!key) throw new HttpError(404, 'errors.notFound');
    // Revoking a revoked key changes nothing, and records nothing.
    if (await revokeApiKey(trx, id, now.toISOString())) {
      await recordAudit(trx, { ...by, action: 'api_key.revoked', object: { type: 'api_key', id }, summary: { before: { name: key.name, prefix: key.prefix } } });
    }
    return key;
  });
}

export type Authentication = { ok: true; key: ApiKey; user: User } | { ok: false; reason: 'unknown' | 'revoked' | 'owner_disabled' | 'owner_not_admin' };

/**
 * The key presented in a request, if it is a live key: not revoked, and its creator (whose name the API acts in)
 * still an enabled admin, since only admins may hold keys. Revocation, a disable or a demotion takes effect on the
 * very next request, since nothing is cached.
 */
/** How long a request waits for its key's `last_used_at` write before it goes on without it. */
const TOUCH_WAIT_MS = 100;

export async function authenticateApiKey(db: Knex, presented: string, now = new Date()): Promise<Authentication> {
  if (!KEY_PATTERN.test(presented)) return { ok: false, reason: 'unknown' };
  const key = await findApiKeyByHash(db, hashApiKey(presented));
  if (!key) return { ok: false, reason: 'unknown' };
  if (key.revokedAt) return { ok: false, reason: 'revoked' };
  const user = await findUserById(db, key.createdBy);
  if (!user || user.disabledAt) return { ok: false, reason: 'owner_disabled' };
  if (user.role !== 'admin') return { ok: false, reason: 'owner_not_admin' };
  if (!key.lastUsedAt || now.getTime() - Date.parse(key.lastUsedAt) >= LAST_USED_GRANULARITY_MS) {
    // Best effort: while another process holds the write lock the write may wait seconds, and a read of the API
    // must not wait with it (nor fail); a touch that did not get through is made by a later request.
    const touched = touchApiKey(db, key.id, now.toISOString()).catch(() => undefined);
    await Promise.race([touched, new Promise((resolve) => setTimeout(resolve, TOUCH_WAIT_MS).unref())]);
  }
  return { ok: true, key, user };
}
