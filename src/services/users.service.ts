import type { Knex } from 'knex';
import { lockAdminRows } from '../queries/users.queries';
import { HttpError } from '../http-error';
import { countActiveAdmins, findUserById, findUserWithHash, insertUser, updateUser, type Role } from '../queries/users.queries';
import { hashPassword } from './passwords.service';

export async function usernameTaken(db: Knex, username: string): Promise<boolean> {
  return Boolean(await findUserWithHash(db, username));
}

export async function createUser(db: Knex, input: { username: string; password: string; role: Role }): Promise<number> {
  const passwordHash = await hashPassword(input.password);
  return insertUser(db, { username: input.username, passwordHash, role: input.role });
}

/**
 * A new password ends every session of the user (their session generation moves on). Returns the new generation,
 * so that a user resetting their own password can keep the session they did it from.
 */
export async function resetPassword(db: Knex, userId: number, password: string): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (trx) => {
    if (!(await findUserById(trx, userId))) throw new HttpError(404, 'errors.notFound');
    await updateUser(trx, userId, { passwordHash, endSessions: true });
    return (await findUserById(trx, userId))!.sessionGeneration;
  });
}

/**
 * Disabling or demoting is refused when it would leave no active admin: the check and the write share one
 * transaction so two admins demoting each other at once cannot both succeed. A role change or a disable also
 * ends the user's sessions; returns the user's session generation after the change.
 */
async function changeKeepingAnAdmin(db: Knex, userId: number, patch: { role?: Role; disabledAt?: string | null }): Promise<number> {
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
    return (await findUserById(trx, userId))!.sessionGeneration;
  });
}

export function setUserDisabled(db: Knex, userId: number, disabled: boolean): Promise<number> {
  return changeKeepingAnAdmin(db, userId, { disabledAt: disabled ? new Date().toISOString() : null });
}

export function setUserRole(db: Knex, userId: number, role: Role): Promise<number> {
  return changeKeepingAnAdmin(db, userId, { role });
}

export async function setUserLocale(db: Knex, userId: number, locale: string): Promise<void> {
  await updateUser(db, userId, { locale });
}
