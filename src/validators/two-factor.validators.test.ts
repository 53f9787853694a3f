import { parseEnrolmentCode, parseSignInCode } from './two-factor.validators';

describe('parseSignInCode', () => {
  test.each([
    ['123456', { kind: 'totp', code: '123456' }],
    [' 123 456 ', { kind: 'totp', code: '123456' }],
    ['abcd-efgh-ij23', { kind: 'recovery', code: 'abcdefghij23' }],
    ['ABCD EFGH IJ23', { kind: 'recovery', code: 'abcdefghij23' }],
    ['１２３４５６', { kind: 'totp', code: '123456' }],
    ['ａｂｃｄ－ｅｆｇｈ－ｉｊ２３', { kind: 'recovery', code: 'abcdefghij23' }],
  ])('%p is accepted as %p', (code, value) => {
    expect(parseSignInCode({ code })).toEqual({ ok: true, value });
  });

  test.each([
    ['', 'validation.required'],
    ['   ', 'validation.required'],
    ['12345', 'twoFactor.errors.codeFormat'],
    ['1234567', 'twoFactor.errors.codeFormat'],
    ['12345x', 'twoFactor.errors.codeFormat'],
    ['a'.repeat(65), 'twoFactor.errors.codeFormat'],
    ['1'.repeat(100_000), 'twoFactor.errors.codeFormat'],
  ])('%p is refused with %s', (code, key) => {
    expect(parseSignInCode({ code })).toEqual({ ok: false, errors: { code: { key } } });
  });

  test('a repeated field (an array) is not a code', () => {
    expect(parseSignInCode({ code: ['123456', '654321'] })).toEqual({ ok: false, errors: { code: { key: 'validation.required' } } });
  });
});

describe('parseEnrolmentCode', () => {
  test('six digits, spaces allowed; nothing else (no recovery codes yet)', () => {
    expect(parseEnrolmentCode({ code: '123 456' })).toEqual({ ok: true, value: '123456' });
    expect(parseEnrolmentCode({ code: '' })).toEqual({ ok: false, errors: { code: { key: 'validation.required' } } });
    expect(parseEnrolmentCode({ code: 'abcd-efgh-ij23' })).toEqual({ ok: false, errors: { code: { key: 'twoFactor.errors.sixDigits' } } });
  });
});
