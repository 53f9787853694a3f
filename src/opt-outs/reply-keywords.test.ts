import { DEFAULT_OPT_OUT_KEYWORDS, isOptOutReply } from './reply-keywords';

describe('isOptOutReply with the default keywords', () => {
  test.each([
    ['T', true],
    ['t', true],
    ['T ', true],
    ['  td\n', true],
    ['ｔ', true],
    ['ＳＴＯＰ', true],
    ['退订', true],
    [' 退订 ', true],
    ['Unsubscribe', true],
    ['n', true],
    ['退订了吗?', false],
    ['stop it', false],
    ['TT', false],
    ['', false],
    ['   ', false],
    ['好的', false],
  ])('%j → %s', (text, expected) => {
    expect(isOptOutReply(text, DEFAULT_OPT_OUT_KEYWORDS)).toBe(expected);
  });

  test('keywords themselves are folded too (a full-width keyword in the settings)', () => {
    expect(isOptOutReply('q', ['Ｑ'])).toBe(true);
  });
});
