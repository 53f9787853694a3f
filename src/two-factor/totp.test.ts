import { authenticator } from 'otplib';
import { groupedSecret, newTotpSecret, stepOfCode, totpUri } from './totp';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const at = (ms: number) => authenticator.clone({ epoch: ms }).generate(SECRET);
// 30 s into step 59,000,000 (2026-02-06), so one step either side is a whole step away.
const STEP = 59_000_000;
const NOW = new Date(STEP * 30_000 + 15_000);

describe('stepOfCode', () => {
  test.each([
    ['the current code', 0, STEP],
    ['the previous step (a code typed as it rolled over)', -1, STEP - 1],
    ['the next step (a phone clock a little ahead)', 1, STEP + 1],
  ])('%s is accepted, with its own step', (_name, offset, step) => {
    expect(stepOfCode(SECRET, at(NOW.getTime() + offset * 30_000), NOW)).toBe(step);
  });

  test.each([
    ['two steps old', -2],
    ['two steps ahead', 2],
  ])('a code %s is refused', (_name, offset) => {
    const code = at(NOW.getTime() + offset * 30_000);
    // A code far from now may by chance equal one inside the window; then this case says nothing, so skip it.
    if ([-1, 0, 1].some((o) => at(NOW.getTime() + o * 30_000) === code)) return;
    expect(stepOfCode(SECRET, code, NOW)).toBeNull();
  });

  test('a wrong code and another secret’s code are refused', () => {
    const right = at(NOW.getTime());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(stepOfCode(SECRET, wrong, NOW)).toBeNull();
    expect(stepOfCode(newTotpSecret(), right, NOW)).toBeNull();
  });
});

test('secrets are 160 random bits in base32, different every time', () => {
  const a = newTotpSecret();
  expect(a).toMatch(/^[A-Z2-7]{32}$/);
  expect(newTotpSecret()).not.toBe(a);
});

test('the otpauth URI names the issuer and the user for the app', () => {
  expect(totpUri('alice', SECRET)).toBe(`otpauth://totp/Qunfa:alice?secret=${SECRET}&period=30&digits=6&algorithm=SHA1&issuer=Qunfa`);
});

test('the secret is shown in groups of four', () => {
  expect(groupedSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
  expect(groupedSecret(SECRET)).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
});
