import type { Knex } from 'knex';
import { isPostgres } from '../db/dialect';

export type Role = 'admin' | 'member';
export const ROLES: readonly Role[] = ['admin', 'member'];

export interface User {
  id: number;
  username: string;
  role: Role;
  locale: string | null;
  disabledAt: string | null;
  /** Bumped when the user's credentials or rights change; a session from an older generation is over. */
  sessionGeneration: number;
  createdAt: string;
  updatedAt: string;
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  locale: string | null;
  disabled_at: string | null;
  session_generation: number;
  created_at: string;
  updated_at: string;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  locale: r.locale,
  disabledAt: r.disabled_at,
  sessionGeneration: r.session_generation,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function countUsers(db: Knex): Promise<number> {
  const row = await db('users').count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function countActiveAdmins(db: Knex): Promise<number> {
  const row = await db('users').where({ role: 'admin' }).whereNull('disabled_at').count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Locks every admin row until the transaction ends, before the last-admin check reads them: on PostgreSQL two
 * demotions at once would each count two admins and leave none. SQLite's transaction holds the write lock already.
 */
export async function lockAdminRows(trx: Knex.Transaction): Promise<void> {
  if (isPostgres(trx)) await trx('users').where({ role: 'admin' }).orderBy('id').forUpdate().select('id');
}

export async function findUserById(db: Knex, id: number): Promise<User | undefined> {
  const row = await db<UserRow>('users').where({ id }).first();
  return row ? toUser(row) : undefined;
}

export async function findUserWithHash(db: Knex, username: string): Promise<(User & { passwordHash: string }) | undefined> {
  const row = await db<UserRow>('users').where({ username: username.toLowerCase() }).first();
  return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
}

export async function listUsers(db: Knex): Promise<User[]> {
  const rows = await db<UserRow>('users').orderBy('username');
  return rows.map(toUser);
}

export async function insertUser(db: Knex, input: { username: string; passwordHash: string; role: Role }): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('users')
    .insert({ username: input.username.toLowerCase(), password_hash: input.passwordHash, role: input.role, created_at: now, updated_at: now })
    .returning('id');
  return typeof row === 'object' ? row.id : row;
}

export async function updateUser(
  db: Knex,
  id: number,
  patch: Partial<{ passwordHash: string; role: Role; locale: string | null; disabledAt: string | null; endSessions: true }>,
): Promise<void> {
  const row: Record<string, unknown> = { updated_at: new Date().toISOString() };
  if (patch.endSessions) row.session_generation = db.raw('session_generation + 1');
  if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
  if (patch.role !== undefined) row.role = patch.role;
  if (patch.locale !== undefined) row.locale = patch.locale;
  if (patch.disabledAt !== undefined) row.disabled_at = patch.disabledAt;
  await db('users').where({ id }).update(row);
}
