import {
  MAX_MESSAGE_LENGTH,
  MULTIPART_SEGMENT_SIZE,
  SINGLE_MESSAGE_LIMIT,
  composeMessage,
  countChars,
  measure,
  measureMessage,
  segmentsFor,
} from './segments';

const EMOJI = '😀'; // U+1F600, outside the BMP
const SIGNATURE = '腾讯云'; // 【腾讯云】 is 5 characters

/** A body that makes the signed message exactly `total` characters long. */
function bodyForTotal(total: number): string {
  return '验'.repeat(total - countChars(composeMessage(SIGNATURE, '')));
}

describe('constants', () => {
  test('match the brief', () => {
    expect([SINGLE_MESSAGE_LIMIT, MULTIPART_SEGMENT_SIZE, MAX_MESSAGE_LENGTH]).toEqual([70, 67, 500]);
  });
});

describe('countChars', () => {
  test.each([
    ['empty', '', 0],
    ['Chinese characters', '验证码', 3],
    ['English letters and digits', 'Code 1234', 9],
    ['Chinese punctuation', '，。！？【】“”', 8],
    ['English punctuation', ',.!?[]"\'', 8],
    ['ASCII space', ' ', 1],
    ['ideographic space', '\u3000', 1],
    ['newline', '\n', 1],
    ['one emoji counts two', EMOJI, 2],
    ['emoji among text', `你好${EMOJI}!`, 5],
    ['flag (two astral code points)', '🇨🇳', 4],
    ['BMP symbol counts one', '☺', 1],
  ])('%s', (_label, text, expected) => {
    expect(countChars(text)).toBe(expected);
  });
});

describe('segmentsFor', () => {
  test.each([
    [0, 0],
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [201, 3],
    [202, 4],
    [500, 8],
    [501, 8],
  ])('%i characters -> %i segments', (chars, expected) => {
    expect(segmentsFor(chars)).toBe(expected);
  });

  test.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects %p', (chars) => {
    expect(() => segmentsFor(chars)).toThrow(RangeError);
  });
});

describe('composeMessage', () => {
  test.each([
    ['腾讯云', '您的验证码是1234', '【腾讯云】您的验证码是1234'],
    ['Qunfa', 'Hello', '【Qunfa】Hello'],
    ['腾讯云', '', '【腾讯云】'],
  ])('%s + %s', (signature, body, expected) => {
    expect(composeMessage(signature, body)).toBe(expected);
  });
});

describe('measureMessage counts the signature and its brackets', () => {
  test('the signature with brackets is 5 characters', () => {
    expect(measureMessage(SIGNATURE, '')).toEqual({ chars: 5, segments: 1, tooLong: false });
  });

  test.each([
    [70, 1, false],
    [71, 2, false],
    [134, 2, false],
    [135, 3, false],
    [500, 8, false],
    [501, 8, true],
  ])('%i characters in total -> %i segments, tooLong %p', (total, segments, tooLong) => {
    const body = bodyForTotal(total);
    expect(countChars(body)).toBe(total - 5);
    expect(measureMessage(SIGNATURE, body)).toEqual({ chars: total, segments, tooLong });
  });

  test.each([
    ['69 characters + one emoji = 71', 64, 71, 2],
    ['68 characters + one emoji = 70', 63, 70, 1],
  ])('%s', (_label, bodyChars, chars, segments) => {
    const body = '验'.repeat(bodyChars) + EMOJI;
    expect(measureMessage(SIGNATURE, body)).toEqual({ chars, segments, tooLong: false });
  });

  test.each([
    ['English with spaces', 'Your code is 1234, valid for 5 minutes.', 44],
    ['Chinese with punctuation', '您的验证码：1234，5分钟内有效。', 23],
    ['mixed', '欢迎使用 Qunfa！Reply T to unsubscribe', 38],
  ])('%s', (_label, body, chars) => {
    expect(measureMessage(SIGNATURE, body).chars).toBe(chars);
  });
});

describe('measure', () => {
  test.each([
    ['empty', '', { chars: 0, segments: 0, tooLong: false }],
    ['70 letters', 'a'.repeat(70), { chars: 70, segments: 1, tooLong: false }],
    ['71 letters', 'a'.repeat(71), { chars: 71, segments: 2, tooLong: false }],
    ['499 letters + emoji', 'a'.repeat(499) + EMOJI, { chars: 501, segments: 8, tooLong: true }],
  ])('%s', (_label, text, expected) => {
    expect(measure(text)).toEqual(expected);
  });
});
