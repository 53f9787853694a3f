import type { Knex } from 'knex';
import { serializeOn } from '../db/locks';
import type { Config } from '../config';
import type { Logger } from '../log';
import { HttpError } from '../http-error';
import { countUsers, findUserWithHash, insertUser, type User } from '../queries/users.queries';
import { clearFailures, countRecentFailures, deletePairAttemptsBefore, oldestRecentFailure, recordAttempt } from '../queries/login-attempts.queries';
import { burnVerifyTime, hashPassword, verifyPassword } from './passwords.service';
import { userHasConfirmedTotp } from '../queries/totp-credentials.queries';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

/** Creates the first admin; refused (as if /setup did not exist) once any user exists. */
export async function createFirstAdmin(db: Knex, username: string, password: string, ip: string | null = null): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (trx) => {
    // On PostgreSQL two instances (or two /setup posts) would both count no user and both insert an admin.
    await serializeOn(trx, 'first-admin');
    if ((await countUsers(trx)) > 0) throw new HttpError(404, 'errors.notFound');
    const id = await insertUser(trx, { username, passwordHash, role: 'admin' });
    // The first admin creates itself: the record names it as its own actor.
    const by: AuditContext = ip === null ? SYSTEM_CONTEXT : { actor: { userId: id, label: username.toLowerCase() }, ip };
    await recordAudit(trx, { ...by, action: 'user.created', object: { type: 'user', id }, summary: { after: { username: username.toLowerCase(), role: 'admin', via: 'setup' } } });
    return id;
  });
}

/** For unattended installs: ADMIN_USERNAME/ADMIN_PASSWORD create the first admin, and are ignored afterwards. */
export async function ensureAdminFromEnv(db: Knex, config: Config, logger: Logger): Promise<void> {
  if (!config.adminUsername || !config.adminPassword) return;
  if ((await countUsers(db)) > 0) return;
  await createFirstAdmin(db, config.adminUsername, config.adminPassword);
  logger.info('created the first admin from ADMIN_USERNAME', { username: config.adminUsername.toLowerCase() });
}

/** `secondFactor`: the password was right, but the code step (/login/code) is still to come. */
export type LoginResult = { ok: true; user: User; secondFactor: boolean } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryMinutes: number };

/** Names as typed are kept short in the audit log: a 64-character limit applies before this point anyway. */
const loginActor = (username: string, userId?: number) => ({ userId: userId ?? null, label: username.slice(0, 64) || '(empty)' });

/**
 * Each guess is recorded as an attempt BEFORE its password is verified, in the transaction that counts the
 * recent ones (BEGIN IMMEDIATE on SQLite, a lock on the pair on PostgreSQL, so concurrent logins take turns there): however many guesses arrive at once, at
 * most MAX_FAILURES per username + IP are ever verified in a window. A success clears the pair's attempts, its
 * own included; a failure simply leaves its attempt counted.
 */
export async function attemptLogin(db: Knex, input: { username: string; password: string; ip: string }, now = new Date()): Promise<LoginResult> {
  const username = input.username.trim().toLowerCase();
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  const unlockAt = await db.transaction(async (trx) => {
    await serializeOn(trx, `login:${username}\n${input.ip}`);
    if ((await countRecentFailures(trx, username, input.ip, since)) >= MAX_FAILURES) {
      const oldest = await oldestRecentFailure(trx, username, input.ip, since);
      return (oldest ? Date.parse(oldest) : now.getTime()) + FAILURE_WINDOW_MS;
    }
    await deletePairAttemptsBefore(trx, username, input.ip, since);
    await recordAttempt(trx, username, input.ip, now.toISOString());
    return null;
  });
  if (unlockAt !== null) {
    await recordAudit(db, { actor: loginActor(username), ip: input.ip, action: 'auth.login_failed', summary: { after: { reason: 'throttled' } } });
    return { ok: false, reason: 'throttled', retryMinutes: Math.max(1, Math.ceil((unlockAt - Date.now()) / 60000)) };
  }
  const found = await findUserWithHash(db, username);
  if (!found) await burnVerifyTime(input.password);
  const valid = found ? await verifyPassword(found.passwordHash, input.password) : false;
  if (!found || !valid || found.disabledAt) {
    // The reason stays in the log only: the page says "wrong username or password" whatever it was.
    const reason = !found ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled';
    await recordAudit(db, {
      actor: loginActor(username, found?.id),
      ip: input.ip,
      action: 'auth.login_failed',
      object: found ? { type: 'user', id: found.id } : null,
      summary: { after: { reason } },
    });
    return { ok: false, reason: 'invalid' };
  }
  const secondFactor = await db.transaction(async (trx) => {
    await clearFailures(trx, username, input.ip);
    // With two-factor sign-in on, the sign-in is recorded once, when the code is accepted (verifySecondFactor).
    if (await userHasConfirmedTotp(trx, found.id)) return true;
    await recordAudit(trx, { actor: loginActor(found.username, found.id), ip: input.ip, action: 'auth.login_succeeded', object: { type: 'user', id: found.id } });
    return false;
  });
  const { passwordHash: _omit, ...user } = found;
  return { ok: true, user, secondFactor };
}
