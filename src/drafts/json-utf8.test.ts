import { JSON_NUMBER_MAX_BYTES, jsonStringMaxBytes, writeJsonNumber, writeJsonString } from './json-utf8';
import { prng } from '../../test/helpers/prng';

const asString = (text: string) => {
  const into = new Uint8Array(jsonStringMaxBytes(text.length));
  return Buffer.from(into.subarray(0, writeJsonString(text, into, 0)));
};
const asNumber = (value: number) => {
  const into = new Uint8Array(JSON_NUMBER_MAX_BYTES);
  return Buffer.from(into.subarray(0, writeJsonNumber(value, into, 0)));
};
const oracle = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');


describe('json-utf8: the bytes of Buffer.from(JSON.stringify(value))', () => {
  it.each([
    ['empty', ''],
    ['ASCII', 'SF1234567890123'],
    ['quote and backslash', 'say "hi" \\ bye'],
    ['named escapes', '\b\f\n\r\t'],
    ['other controls and DEL', '\u0000\u0001\u001f\u007f'],
    ['Latin, CJK and full-width', 'é ß 尊敬的 王先生 ０１２'],
    ['the edges of each UTF-8 length', '\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff'],
    ['an emoji (a surrogate pair)', 'ok 😀!'],
    ['lone surrogates, high and low, at the ends', '\ud800a\udc00\udbff'],
    ['two highs then a low', '\ud800\ud800\udc00'],
    ['a message as the check composes it', '【顺丰速运】尊敬的王先生，您的订单SF1234567890123已发货，请注意查收。'],
  ])('%s', (_name, text) => {
    expect(asString(text)).toEqual(oracle(text));
  });

  it('a generated corpus of 20,000 strings drawn from every range, surrogates and controls included', () => {
    const rand = prng(20261205);
    const pools = [
      [0x00, 0x20],
      [0x20, 0x80],
      [0x80, 0x800],
      [0x800, 0xd800],
      [0xd800, 0xdc00],
      [0xdc00, 0xe000],
      [0xe000, 0x10000],
    ];
    for (let n = 0; n < 20_000; n += 1) {
      let text = '';
      const length = Math.floor(rand() * 12);
      for (let i = 0; i < length; i += 1) {
        const [from, to] = pools[Math.floor(rand() * pools.length)];
        text += String.fromCharCode(from + Math.floor(rand() * (to - from)));
      }
      const mine = asString(text);
      if (!mine.equals(oracle(text))) throw new Error(`differs for ${JSON.stringify(text)}: ${mine.toString('hex')}`);
    }
  });

  it.each([0, 7, 10, 99, 100, 1234567, Number.MAX_SAFE_INTEGER, -1, 1.5, 1e21, -0, NaN])('the number %p', (value) => {
    expect(asNumber(value)).toEqual(oracle(value));
  });
});
