import type { Knex } from 'knex';
import { lockAdminRows } from '../queries/users.queries';
import { HttpError } from '../http-error';
import { countActiveAdmins, findUserById, findUserWithHash, insertUser, updateUser, type Role } from '../queries/users.queries';
import { hashPassword, verifyPassword } from './passwords.service';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';

export async function usernameTaken(db: Knex, username: string): Promise<boolean> {
  return Boolean(await findUserWithHash(db, username));
}

export async function createUser(db: Knex, input: { username: string; password: string; role: Role }, by: AuditContext = SYSTEM_CONTEXT): Promise<number> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (trx) => {
    const id = await insertUser(trx, { username: input.username, passwordHash, role: input.role });
    await recordAudit(trx, { ...by, action: 'user.created', object: { type: 'user', id }, summary: { after: { username: input.username.toLowerCase(), role: input.role } } });
    return id;
  });
}

/**
 * A new password ends every session of the user (their session generation moves on). Returns the new generation,
 * so that a user resetting their own password can keep the session they did it from.
 */
export async function resetPassword(db: Knex, userId: number, password: string, by: AuditContext = SYSTEM_CONTEXT): Promise<number> {
  return setPassword(db, userId, password, by, 'user.password_reset');
}

/** An admin's reset and a user's own change write the same way; the audit log tells them apart by the action. */
async function setPassword(db: Knex, userId: number, password: string, by: AuditContext, action: 'user.password_reset' | 'user.password_changed'): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (trx) => {
    const user = await findUserById(trx, userId);
    if (!user) throw new HttpError(404, 'errors.notFound');
    await updateUser(trx, userId, { passwordHash, endSessions: true });
    // The fact only: which password it was, old or new, is never written anywhere but as its hash in users.
    await recordAudit(trx, { ...by, action, object: { type: 'user', id: userId }, summary: { after: { username: user.username, sessionsEnded: true } } });
    return (await findUserById(trx, userId))!.sessionGeneration;
  });
}

/**
 * Users changing their own password prove it with the current one: a session left open on a shared computer is not
 * enough to take the account over. Returns the new session generation (every session of the user ends but the one
 * the caller re-stamps), or null when the current password is wrong.
 */
export async function changeOwnPassword(db: Knex, user: { id: number; username: string }, current: string, password: string, by: AuditContext = SYSTEM_CONTEXT): Promise<number | null> {
  const found = await findUserWithHash(db, user.username);
  if (!found || found.id !== user.id || !(await verifyPassword(found.passwordHash, current))) return null;
  return setPassword(db, user.id, password, by, 'user.password_changed');
}

/**
 * Disabling or demoting is refused when it would leave no active admin: the check and the write share one
 * transaction so two admins demoting each other at once cannot both succeed. A role change or a disable also
 * ends the user's sessions; returns the user's session generation after the change.
 */
async function changeKeepingAnAdmin(db: Knex, userId: number, patch: { role?: Role; disabledAt?: string | null }, by: AuditContext): Promise<number> {
  return db.transaction(async (trx) => {
    await lockAdminRows(trx);
    const user = await findUserById(trx, userId);
    if (!user) throw new HttpError(404, 'errors.notFound');
    const activeAdminNow = user.role === 'admin' && !user.disabledAt;
    const activeAdminAfter = (patch.role ?? user.role) === 'admin' && !(patch.disabledAt !== undefined ? patch.disabledAt : user.disabledAt);
    if (activeAdminNow && !activeAdminAfter && (await countActiveAdmins(trx)) <= 1) {
      throw new HttpError(409, 'users.errors.lastAdmin');
    }
    const roleChanges = patch.role !== undefined && patch.role !== user.role;
    const disables = Boolean(patch.disabledAt) && !user.disabledAt;
    await updateUser(trx, userId, roleChanges || disables ? { ...patch, endSessions: true } : patch);
    const object = { type: 'user' as const, id: userId };
    if (roleChanges) {
      await recordAudit(trx, { ...by, action: 'user.role_changed', object, summary: { before: { username: user.username, role: user.role }, after: { role: patch.role } } });
    }
    if (patch.disabledAt !== undefined && Boolean(patch.disabledAt) !== Boolean(user.disabledAt)) {
      await recordAudit(trx, { ...by, action: patch.disabledAt ? 'user.disabled' : 'user.enabled', object, summary: { before: { username: user.username } } });
    }
    return (await findUserById(trx, userId))!.sessionGeneration;
  });
}

export function setUserDisabled(db: Knex, userId: number, disabled: boolean, by: AuditContext = SYSTEM_CONTEXT): Promise<number> {
  return changeKeepingAnAdmin(db, userId, { disabledAt: disabled ? new Date().toISOString() : null }, by);
}

export function setUserRole(db: Knex, userId: number, role: Role, by: AuditContext = SYSTEM_CONTEXT): Promise<number> {
  return changeKeepingAnAdmin(db, userId, { role }, by);
}

export async function setUserLocale(db: Knex, userId: number, locale: string): Promise<void> {
  await updateUser(db, userId, { locale });
}
