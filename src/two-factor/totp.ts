import { authenticator } from 'otplib';

/** The standard authenticator-app profile (RFC 6238: SHA-1, 6 digits, 30-second steps), as every app reads it. */
export const TOTP_STEP_SECONDS = 30;
/** 160 bits, the key size RFC 4226 recommends; 32 base32 characters. */
const SECRET_BYTES = 20;
/**
 * One step either side: a phone clock a little off, or a code typed as it rolls over, still works. Replay is
 * refused by the step (see stepOfCode), so the wider window does not let a code be used twice.
 */
const WINDOW = 1;

export const ISSUER = 'Qunfa';

export function newTotpSecret(): string {
  return authenticator.generateSecret(SECRET_BYTES);
}

/** The otpauth:// URI the QR code carries; authenticator apps show the issuer and the username from it. */
export function totpUri(username: string, secret: string): string {
  return authenticator.keyuri(username, ISSUER, secret);
}

/**
 * The time step a 6-digit code belongs to when it is valid for `secret` at `now` (within one step either side),
 * or null. Callers compare the step with the last one used to refuse a replayed code.
 */
export function stepOfCode(secret: string, code: string, now: Date): number | null {
  const checker = authenticator.clone({ window: WINDOW, epoch: now.getTime() });
  const delta = checker.checkDelta(code, secret);
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / TOTP_STEP_SECONDS) + delta;
}

/** The secret as people copy it into an app by hand: groups of four. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
