import type { Knex } from 'knex';
import { HttpError } from '../http-error';
import { serializeOn } from '../db/locks';
import { openSecret, SecretBoxError, sealSecret } from '../secrets/secret-box';
import { findUserById } from '../queries/users.queries';
import { claimTotpStep, confirmTotp, deleteTotpCredential, findTotpCredential, savePendingTotp } from '../queries/totp-credentials.queries';
import { countUnusedRecoveryCodes, deleteRecoveryCodes, replaceRecoveryCodes, useRecoveryCode } from '../queries/recovery-codes.queries';
import {
  clearCodeFailures,
  countRecentCodeFailures,
  deletePairCodeAttemptsBefore,
  deleteUserCodeAttempts,
  oldestRecentCodeFailure,
  recordCodeAttempt,
} from '../queries/two-factor-attempts.queries';
import { newTotpSecret, stepOfCode } from '../two-factor/totp';
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from '../two-factor/recovery-codes';
import { FAILURE_WINDOW_MS, MAX_FAILURES } from './auth.service';
import { recordAudit, type AuditContext } from './audit.service';

/** What the code form accepted: a 6-digit code from the app, or a recovery code (already normalised). */
export type SecondFactor = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };

export interface TwoFactorStatus {
  /** On: a confirmed authenticator; sign-in asks for a code. */
  enabled: boolean;
  confirmedAt: string | null;
  /** Enrolment started and waits for its first code: the secret, opened, to show once more. */
  pendingSecret: string | null;
  recoveryCodesLeft: number;
}

/**
 * The secret, or null when the box cannot be opened (QUNFA_SECRET_KEY was lost or changed): app codes then simply
 * fail, while recovery codes and an admin's reset still work, rather than every attempt being a server error.
 */
function openTotpSecret(key: Buffer, box: string): string | null {
  try {
    return openSecret(key, box);
  } catch (err) {
    if (err instanceof SecretBoxError) return null;
    throw err;
  }
}

export async function twoFactorStatus(db: Knex, key: Buffer, userId: number): Promise<TwoFactorStatus> {
  const credential = await findTotpCredential(db, userId);
  const enabled = Boolean(credential?.confirmedAt);
  return {
    enabled,
    confirmedAt: credential?.confirmedAt ?? null,
    pendingSecret: credential && !enabled ? openTotpSecret(key, credential.secretBox) : null,
    recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(db, userId) : 0,
  };
}

/**
 * A fresh secret, sealed, waiting for its first code. Starting again replaces an unconfirmed secret (a new QR code);
 * a confirmed one stays until another admin resets it, so a stolen session cannot move someone's second factor.
 */
export async function startEnrolment(db: Knex, key: Buffer, userId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const existing = await findTotpCredential(trx, userId);
    if (existing?.confirmedAt) throw new HttpError(409, 'twoFactor.errors.alreadyOn');
    await savePendingTotp(trx, userId, sealSecret(key, newTotpSecret()));
  });
}

export type EnrolmentResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'wrongCode' | 'notStarted' };

/**
 * A current code proves the app holds the secret: two-factor sign-in is then on, and ten new recovery codes are
 * returned (to show once; only their hashes are kept). The code's step counts as used, so it cannot sign in again.
 */
export async function confirmEnrolment(db: Knex, key: Buffer, userId: number, code: string, by: AuditContext, now = new Date()): Promise<EnrolmentResult> {
  return db.transaction(async (trx) => {
    const credential = await findTotpCredential(trx, userId);
    const secret = credential && !credential.confirmedAt ? openTotpSecret(key, credential.secretBox) : null;
    if (secret === null) return { ok: false, reason: 'notStarted' } as const;
    const step = stepOfCode(secret, code, now);
    if (step === null) return { ok: false, reason: 'wrongCode' } as const;
    await confirmTotp(trx, userId, step);
    const recoveryCodes = newRecoveryCodes();
    await replaceRecoveryCodes(trx, userId, recoveryCodes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c)!)));
    await recordAudit(trx, { ...by, action: 'user.twofa_enrolled', object: { type: 'user', id: userId }, summary: { after: { twoFactor: 'on', codesIssued: recoveryCodes.length } } });
    return { ok: true, recoveryCodes };
  });
}

/**
 * What a code check is for, which says how it is recorded: at sign-in a failure is an auth.login_failed (step
 * `code`) and a success is THE sign-in (auth.login_succeeded: the password step alone records none for these
 * users); when renewing recovery codes a failure is a user.twofa_code_failed and the renewal records itself.
 */
export type CodeCheckPurpose = 'sign_in' | 'renewal';

export type SecondFactorResult =
  | { ok: true; usedRecoveryCode: boolean; recoveryCodesLeft: number }
  | { ok: false; reason: 'wrongCode' | 'replayed' }
  | { ok: false; reason: 'throttled'; retryMinutes: number };

/**
 * The sign-in code step, throttled like the password step (attemptLogin): each guess is recorded before it is
 * checked, in the transaction that counts the recent ones, so at most MAX_FAILURES per user + IP are checked in
 * a window however many arrive at once; a success clears the pair's attempts. A TOTP code is accepted only for a
 * step later than the last one used; a recovery code only while unused. Both checks are single conditional
 * updates, so two requests with the same code cannot both pass.
 */
export async function verifySecondFactor(
  db: Knex,
  key: Buffer,
  input: { userId: number; ip: string; factor: SecondFactor; by: AuditContext; purpose: CodeCheckPurpose },
  now = new Date(),
): Promise<SecondFactorResult> {
  const { userId, ip, factor } = input;
  // Never the code typed: a wrong one may be one digit from right, a right one is spent.
  const recordFailure = (reason: 'throttled' | 'wrong_code' | 'replayed_code') =>
    recordAudit(db, {
      ...input.by,
      action: input.purpose === 'sign_in' ? 'auth.login_failed' : 'user.twofa_code_failed',
      object: { type: 'user', id: userId },
      summary: { after: { step: 'code', reason } },
    });
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  const unlockAt = await db.transaction(async (trx) => {
    // Guesses sent at once take turns (PostgreSQL; SQLite's write lock already does it), as the password step's do.
    await serializeOn(trx, `code:${userId}\n${ip}`);
    if ((await countRecentCodeFailures(trx, userId, ip, since)) >= MAX_FAILURES) {
      const oldest = await oldestRecentCodeFailure(trx, userId, ip, since);
      return (oldest ? Date.parse(oldest) : now.getTime()) + FAILURE_WINDOW_MS;
    }
    await deletePairCodeAttemptsBefore(trx, userId, ip, since);
    await recordCodeAttempt(trx, userId, ip, now.toISOString());
    return null;
  });
  if (unlockAt !== null) {
    await recordFailure('throttled');
    return { ok: false, reason: 'throttled', retryMinutes: Math.max(1, Math.ceil((unlockAt - now.getTime()) / 60000)) };
  }

  const outcome = await checkFactor(db, key, userId, factor, now);
  if (outcome === 'wrongCode' || outcome === 'replayed') {
    await recordFailure(outcome === 'replayed' ? 'replayed_code' : 'wrong_code');
    return { ok: false, reason: outcome };
  }
  const usedRecoveryCode = outcome === 'recoveryCode';
  await db.transaction(async (trx) => {
    await clearCodeFailures(trx, userId, ip);
    if (input.purpose !== 'sign_in') return;
    await recordAudit(trx, { ...input.by, action: 'auth.login_succeeded', object: { type: 'user', id: userId }, summary: { after: { secondFactor: usedRecoveryCode ? 'recovery_code' : 'app' } } });
  });
  return { ok: true, usedRecoveryCode, recoveryCodesLeft: usedRecoveryCode ? await countUnusedRecoveryCodes(db, userId) : 0 };
}

async function checkFactor(db: Knex, key: Buffer, userId: number, factor: SecondFactor, now: Date): Promise<'totp' | 'recoveryCode' | 'wrongCode' | 'replayed'> {
  const credential = await findTotpCredential(db, userId);
  if (!credential?.confirmedAt) return 'wrongCode';
  if (factor.kind === 'recovery') return (await useRecoveryCode(db, userId, hashRecoveryCode(factor.code))) ? 'recoveryCode' : 'wrongCode';
  const secret = openTotpSecret(key, credential.secretBox);
  const step = secret === null ? null : stepOfCode(secret, factor.code, now);
  if (step === null) return 'wrongCode';
  return (await claimTotpStep(db, userId, step)) ? 'totp' : 'replayed';
}

export type NewRecoveryCodesResult = { ok: true; recoveryCodes: string[] } | Exclude<SecondFactorResult, { ok: true }>;

/**
 * Ten new recovery codes in place of the old ones (all of them, used or not), for a user who is running out. It
 * takes a current code from the app, checked like the sign-in code step (throttled, no replay): a stolen session
 * alone must not be able to mint a second factor of its own.
 */
export async function renewRecoveryCodes(
  db: Knex,
  key: Buffer,
  input: { userId: number; ip: string; code: string; by: AuditContext },
  now = new Date(),
): Promise<NewRecoveryCodesResult> {
  const checked = await verifySecondFactor(db, key, { userId: input.userId, ip: input.ip, factor: { kind: 'totp', code: input.code }, by: input.by, purpose: 'renewal' }, now);
  if (!checked.ok) return checked;
  const recoveryCodes = newRecoveryCodes();
  await db.transaction(async (trx) => {
    await replaceRecoveryCodes(trx, input.userId, recoveryCodes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c)!)));
    await recordAudit(trx, { ...input.by, action: 'user.twofa_recovery_codes_renewed', object: { type: 'user', id: input.userId }, summary: { after: { codesIssued: recoveryCodes.length } } });
  });
  return { ok: true, recoveryCodes };
}

/**
 * Another admin turns a user's two-factor sign-in off (a lost phone, no recovery codes left): the secret, the
 * recovery codes and the code failures go. The user signs in with the password alone until they enrol again (or
 * at once, if admins are required to have it). Admins cannot reset their own: that needs a second person.
 */
export async function resetTwoFactor(db: Knex, by: AuditContext, userId: number): Promise<boolean> {
  if (by.actor.userId === userId) throw new HttpError(409, 'twoFactor.errors.resetOwn');
  return db.transaction(async (trx) => {
    const user = await findUserById(trx, userId);
    if (!user) throw new HttpError(404, 'errors.notFound');
    const removed = await deleteTotpCredential(trx, userId);
    await deleteRecoveryCodes(trx, userId);
    await deleteUserCodeAttempts(trx, userId);
    // Recorded even when it was off: the admin pressed reset, and the record says what was there.
    await recordAudit(trx, { ...by, action: 'user.twofa_reset', object: { type: 'user', id: userId }, summary: { before: { username: user.username, twoFactor: removed > 0 ? 'on' : 'off' }, after: { twoFactor: 'off' } } });
    return removed > 0;
  });
}
