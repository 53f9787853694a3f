import crypto from 'node:crypto';

/**
 * Carrier passwords and keys at rest: AES-256-GCM, a fresh random 96-bit IV per value, the 128-bit tag checked on
 * open. The text form is `v1.<iv>.<tag>.<ciphertext>` (base64url): the version lets a later key or algorithm change
 * tell old boxes from new ones. A box that was altered, or sealed under another key, is refused, never half-read.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export class SecretBoxError extends Error {}

export function sealSecret(key: Buffer, plain: string): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function openSecret(key: Buffer, box: string): string {
  const parts = box.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('not a secret box this version can open');
  const [, ivText, tagText, bodyText] = parts;
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('secret box is damaged');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('secret box was altered or sealed under another key');
  }
}

/** A JSON object of secrets (an SMPP password today, API keys for the cloud kinds later) as one box. */
export function sealSecrets(key: Buffer, secrets: Record<string, string>): string {
  return sealSecret(key, JSON.stringify(secrets));
}

export function openSecrets(key: Buffer, box: string | null): Record<string, string> {
  if (box === null) return {};
  const value = JSON.parse(openSecret(key, box)) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SecretBoxError('secret box does not hold an object');
  return value as Record<string, string>;
}
