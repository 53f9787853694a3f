import crypto from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Base32's alphabet: lower case, and no 0, 1, 8 or 9 to mistake for o, l or B. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODE_LENGTH = 12;
const RECOVERY_CODE = /^[a-z2-7]{12}$/;

/** Ten random codes of 60 bits each, shown as `abcd-efgh-ijkl`. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    // 256 is a multiple of 32, so masking a random byte keeps every character equally likely.
    const chars = [...crypto.randomBytes(CODE_LENGTH)].map((b) => ALPHABET[b & 31]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** What people may type: any case, with or without the dash or spaces. Null when it cannot be a recovery code. */
export function normaliseRecoveryCode(raw: string): string | null {
  const compact = raw.toLowerCase().replace(/[\s-]/g, '');
  return RECOVERY_CODE.test(compact) ? compact : null;
}

/**
 * SHA-256 is enough for random 60-bit codes: a slow password hash guards against guessable input, not these; and a
 * stolen table still takes some 2^60 hashes to read one code back, besides the password it must come with.
 */
export function hashRecoveryCode(normalised: string): string {
  return crypto.createHash('sha256').update(normalised).digest('hex');
}
