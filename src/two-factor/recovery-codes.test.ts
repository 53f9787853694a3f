import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes';

test('ten distinct codes of twelve base32 characters, shown as three groups of four', () => {
  const codes = newRecoveryCodes();
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
});

test.each([
  ['abcd-efgh-ij23', 'abcdefghij23'],
  ['ABCD-EFGH-IJ23', 'abcdefghij23'],
  [' abcd efgh ij23 ', 'abcdefghij23'],
  ['abcdefghij23', 'abcdefghij23'],
  ['abcd-efgh-ij2', null],
  ['abcd-efgh-ij234', null],
  ['abcd-efgh-ij01', null],
  ['123456', null],
  ['', null],
])('%p reads as %p', (typed, expected) => {
  expect(normaliseRecoveryCode(typed)).toBe(expected);
});

test('the stored form is a SHA-256 hex digest, the same for the same code', () => {
  expect(hashRecoveryCode('abcdefghij23')).toMatch(/^[0-9a-f]{64}$/);
  expect(hashRecoveryCode('abcdefghij23')).toBe(hashRecoveryCode('abcdefghij23'));
  expect(hashRecoveryCode('abcdefghij23')).not.toBe(hashRecoveryCode('abcdefghij24'));
});
