import {
  ESM_CLASS_UDHI,
  buildSubmitParts,
  chooseDataCoding,
  concatenationUdh,
  encodeText,
  partsExceedBilling,
  splitText,
} from './smpp-parts';
import { countChars, segmentsFor } from './segments';

const EMOJI = '😀'; // U+1F600: D83D DE00 in UTF-16

/** Big-endian UCS-2 bytes written out by hand, so the test does not trust the encoder it checks. */
function ucs2(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    bytes.push(unit >> 8, unit & 0xff);
  }
  return Buffer.from(bytes);
}

describe('chooseDataCoding', () => {
  test.each([
    ['plain English', 'Your code is 1234.', 0],
    ['newlines and punctuation', 'Hi!\r\nSee: a-b, (c); "d"?', 0],
    ['empty', '', 0],
    ['dollar differs between GSM and ASCII', 'Pay $5', 8],
    ['at sign differs', 'a@b.cn', 8],
    ['underscore differs', 'a_b', 8],
    ['square brackets are GSM extension characters', '[x]', 8],
    ['backtick is not GSM', '`', 8],
    ['accented Latin', 'café', 8],
    ['Chinese', '验证码', 8],
    ['emoji', EMOJI, 8],
  ])('%s', (_label, text, expected) => {
    expect(chooseDataCoding(text)).toBe(expected);
  });
});

describe('encodeText', () => {
  test('GSM/ASCII text is one byte per character', () => {
    expect(encodeText('Code 12', 0)).toEqual(Buffer.from([0x43, 0x6f, 0x64, 0x65, 0x20, 0x31, 0x32]));
  });
  test('UCS-2 is big-endian, an emoji as its two surrogates', () => {
    expect(encodeText(`验${EMOJI}`, 8)).toEqual(Buffer.from([0x9a, 0x8c, 0xd8, 0x3d, 0xde, 0x00]));
  });
});

describe('splitText by the length rule', () => {
  const cases: Array<[string, string, number[]]> = [
    ['70 characters: one part', 'a'.repeat(70), [70]],
    ['71 characters: two parts of 67 and 4', 'a'.repeat(71), [67, 4]],
    ['134 characters: two full parts', '验'.repeat(134), [67, 67]],
    ['135 characters: three parts', '验'.repeat(135), [67, 67, 1]],
    ['emoji ending exactly at 70: one part', `${'a'.repeat(68)}${EMOJI}`, [70]],
    ['emoji across the 67th/68th unit moves whole to the next part', `${'验'.repeat(66)}${EMOJI}${'验'.repeat(10)}`, [66, 12]],
    ['emoji at units 66-67 stays in the first part', `${'验'.repeat(65)}${EMOJI}${'验'.repeat(10)}`, [67, 10]],
  ];
  test.each(cases)('%s', (_label, text, lengths) => {
    const parts = splitText(text);
    expect(parts.map((p) => p.length)).toEqual(lengths);
    expect(parts.join('')).toBe(text);
  });

  test('no part starts or ends inside a surrogate pair, whatever the emoji positions', () => {
    for (let prefix = 60; prefix <= 140; prefix += 1) {
      const text = `${'验'.repeat(prefix)}${EMOJI}${EMOJI}${'x'.repeat(5)}`;
      const parts = splitText(text);
      for (const part of parts) {
        expect(part.charCodeAt(0) >= 0xdc00 && part.charCodeAt(0) <= 0xdfff).toBe(false);
        const last = part.charCodeAt(part.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
        expect(part.length).toBeLessThanOrEqual(parts.length === 1 ? 70 : 67);
      }
    }
  });

  test('the part count is the billed count, except when an emoji had to move', () => {
    const plain = '验'.repeat(200);
    expect(splitText(plain)).toHaveLength(segmentsFor(countChars(plain)));
    expect(partsExceedBilling(plain)).toBe(false);
    // 134 units, an emoji straddling 67/68: billed 2, sent 3.
    const straddling = `${'验'.repeat(66)}${EMOJI}${'验'.repeat(66)}`;
    expect(countChars(straddling)).toBe(134);
    expect(splitText(straddling).map((p) => p.length)).toEqual([66, 67, 1]);
    expect(partsExceedBilling(straddling)).toBe(true);
  });
});

describe('buildSubmitParts', () => {
  test('a 3-part Chinese+emoji message: UDH reference, total, order and UCS-2 bytes', () => {
    const text = `【腾讯云】您的验证码是${EMOJI}`.padEnd(150, '好');
    const parts = buildSubmitParts(text, 'udh', 0xa7);
    expect(parts).toHaveLength(3);
    parts.forEach((part, i) => {
      expect(part.data_coding).toBe(8);
      expect(part.esm_class).toBe(ESM_CLASS_UDHI);
      expect([...part.short_message.subarray(0, 6)]).toEqual([0x05, 0x00, 0x03, 0xa7, 0x03, i + 1]);
      expect(part.short_message.length).toBeLessThanOrEqual(140);
    });
    expect(parts[0].short_message.subarray(6)).toEqual(ucs2(text.slice(0, 67)));
    expect(parts[1].short_message.subarray(6)).toEqual(ucs2(text.slice(67, 134)));
    expect(parts[2].short_message.subarray(6)).toEqual(ucs2(text.slice(134)));
    // The emoji is in the first part as D83D DE00, whole.
    expect(parts[0].short_message.includes(Buffer.from([0xd8, 0x3d, 0xde, 0x00]))).toBe(true);
  });

  test('a 1-part ASCII message: data_coding 0, no header', () => {
    expect(buildSubmitParts('Your code is 4321', 'udh', 1)).toEqual([
      { data_coding: 0, esm_class: 0, short_message: Buffer.from('Your code is 4321', 'latin1') },
    ]);
  });

  test('a 70-character Chinese message is one 140-byte part', () => {
    const [part, ...rest] = buildSubmitParts('验'.repeat(70), 'udh', 9);
    expect(rest).toEqual([]);
    expect(part.short_message).toEqual(ucs2('验'.repeat(70)));
  });

  test('the emoji at a part boundary goes whole into the next part', () => {
    const text = `${'验'.repeat(66)}${EMOJI}${'验'.repeat(10)}`;
    const parts = buildSubmitParts(text, 'udh', 3);
    expect(parts.map((p) => [...p.short_message.subarray(0, 6)])).toEqual([
      [5, 0, 3, 3, 2, 1],
      [5, 0, 3, 3, 2, 2],
    ]);
    expect([...parts[1].short_message.subarray(6, 10)]).toEqual([0xd8, 0x3d, 0xde, 0x00]);
  });

  test('the message_payload form: one submit_sm, the whole text, no header', () => {
    const text = '验'.repeat(150);
    expect(buildSubmitParts(text, 'payload', 3)).toEqual([
      { data_coding: 8, esm_class: 0, short_message: Buffer.alloc(0), message_payload: ucs2(text) },
    ]);
  });

  test('a short message in payload mode still goes in short_message', () => {
    expect(buildSubmitParts('Hi', 'payload', 3)).toEqual([{ data_coding: 0, esm_class: 0, short_message: Buffer.from('Hi') }]);
  });

  test.each([
    ['empty text', '', 1],
    ['reference above 8 bits', 'x', 256],
    ['negative reference', 'x', -1],
  ])('refuses %s', (_label, text, reference) => {
    expect(() => buildSubmitParts(text, 'udh', reference)).toThrow(RangeError);
  });

  test('concatenationUdh', () => {
    expect(concatenationUdh(255, 8, 8)).toEqual(Buffer.from([5, 0, 3, 255, 8, 8]));
  });
});
