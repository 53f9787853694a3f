import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes';

test('ten distinct codes of ten base32 characters, shown as two groups of five', () => {
  const codes = newRecoveryCodes();
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  for (const c of codes) expect(c).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
});

test.each([
  ['abcde-fgh23', 'abcdefgh23'],
  ['ABCDE-FGH23', 'abcdefgh23'],
  [' abcde fgh23 ', 'abcdefgh23'],
  ['abcdefgh23', 'abcdefgh23'],
  ['abcde-fgh2', null],
  ['abcde-fgh231', null],
  ['abcde-fgh01', null],
  ['123456', null],
  ['', null],
])('%p reads as %p', (typed, expected) => {
  expect(normaliseRecoveryCode(typed)).toBe(expected);
});

test('the stored form is a SHA-256 hex digest, the same for the same code', () => {
  expect(hashRecoveryCode('abcdefgh23')).toMatch(/^[0-9a-f]{64}$/);
  expect(hashRecoveryCode('abcdefgh23')).toBe(hashRecoveryCode('abcdefgh23'));
  expect(hashRecoveryCode('abcdefgh23')).not.toBe(hashRecoveryCode('abcdefgh24'));
});
