import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../log';
import { HttpError } from '../http-error';
import { countUsers, findUserWithHash, insertUser, type User } from '../queries/users.queries';
import { clearFailures, countRecentFailures, oldestRecentFailure, recordFailure } from '../queries/login-attempts.queries';
import { burnVerifyTime, hashPassword, verifyPassword } from './passwords.service';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

/** Creates the first admin; refused (as if /setup did not exist) once any user exists. */
export async function createFirstAdmin(db: Knex, username: string, password: string): Promise<number> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (trx) => {
    if ((await countUsers(trx)) > 0) throw new HttpError(404, 'errors.notFound');
    return insertUser(trx, { username, passwordHash, role: 'admin' });
  });
}

/** For unattended installs: ADMIN_USERNAME/ADMIN_PASSWORD create the first admin, and are ignored afterwards. */
export async function ensureAdminFromEnv(db: Knex, config: Config, logger: Logger): Promise<void> {
  if (!config.adminUsername || !config.adminPassword) return;
  if ((await countUsers(db)) > 0) return;
  await createFirstAdmin(db, config.adminUsername, config.adminPassword);
  logger.info('created the first admin from ADMIN_USERNAME', { username: config.adminUsername.toLowerCase() });
}

export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryMinutes: number };

export async function attemptLogin(db: Knex, input: { username: string; password: string; ip: string }): Promise<LoginResult> {
  const username = input.username.trim().toLowerCase();
  const since = new Date(Date.now() - FAILURE_WINDOW_MS).toISOString();
  if ((await countRecentFailures(db, username, input.ip, since)) >= MAX_FAILURES) {
    const oldest = await oldestRecentFailure(db, username, input.ip, since);
    const unlockAt = (oldest ? Date.parse(oldest) : Date.now()) + FAILURE_WINDOW_MS;
    return { ok: false, reason: 'throttled', retryMinutes: Math.max(1, Math.ceil((unlockAt - Date.now()) / 60000)) };
  }
  const found = await findUserWithHash(db, username);
  if (!found) await burnVerifyTime(input.password);
  const valid = found ? await verifyPassword(found.passwordHash, input.password) : false;
  if (!found || !valid || found.disabledAt) {
    await recordFailure(db, username, input.ip);
    return { ok: false, reason: 'invalid' };
  }
  await clearFailures(db, username, input.ip);
  const { passwordHash: _omit, ...user } = found;
  return { ok: true, user };
}
