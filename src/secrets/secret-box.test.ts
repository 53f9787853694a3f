import crypto from 'node:crypto';
import { openSecret, openSecrets, sealSecret, sealSecrets, SecretBoxError } from './secret-box';

const key = crypto.randomBytes(32);

function refusal(fn: () => unknown): unknown {
  try {
    fn();
    return 'opened';
  } catch (err) {
    return err instanceof SecretBoxError ? 'refused' : err;
  }
}

test('a sealed value opens to itself, unicode included', () => {
  for (const plain of ['', 'pa$$w0rd', '密码🔐', 'x'.repeat(5000)]) expect(openSecret(key, sealSecret(key, plain))).toBe(plain);
  expect(openSecrets(key, sealSecrets(key, { password: 'secret' }))).toEqual({ password: 'secret' });
  expect(openSecrets(key, null)).toEqual({});
});

test('the same value never seals to the same text twice, and the text does not contain it', () => {
  const boxes = new Set(Array.from({ length: 50 }, () => sealSecret(key, 'same password')));
  expect(boxes.size).toBe(50);
  for (const box of boxes) {
    expect(box).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(box).not.toContain('same');
  }
});

test('a box opened with another key is refused', () => {
  expect(refusal(() => openSecret(crypto.randomBytes(32), sealSecret(key, 'secret')))).toBe('refused');
});

test('any altered byte of the IV, the tag or the ciphertext is refused', () => {
  const box = sealSecret(key, 'a password to tamper with');
  const parts = box.split('.');
  for (const index of [1, 2, 3]) {
    const bytes = Buffer.from(parts[index], 'base64url');
    for (const at of [0, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 0x01;
      const tampered = parts.map((p, i) => (i === index ? changed.toString('base64url') : p)).join('.');
      expect([index, at, refusal(() => openSecret(key, tampered))]).toEqual([index, at, 'refused']);
    }
  }
});

test('a box of another version, a truncated box and plain text are refused', () => {
  const box = sealSecret(key, 'secret');
  for (const bad of [box.replace(/^v1/, 'v2'), box.split('.').slice(0, 3).join('.'), 'secret', '', 'v1...']) {
    expect([bad, refusal(() => openSecret(key, bad))]).toEqual([bad, 'refused']);
  }
});
