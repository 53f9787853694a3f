import { numberFormatter } from './number-format';

describe('numberFormatter', () => {
  test.each([
    ['en', 0, '0'],
    ['en', 7, '7'],
    ['en', 999, '999'],
    ['en', 1000, '1,000'],
    ['en', 12_400, '12,400'],
    ['en', 100_000, '100,000'],
    ['en', 1_000_000, '1,000,000'],
    ['en', -1234, '-1,234'],
    ['zh-CN', 12_400, '12,400'],
    ['zh-CN', 1_446_113, '1,446,113'],
  ])('%s %p is %p', (locale, n, text) => {
    expect(numberFormatter(locale)(n)).toBe(text);
  });

  test.each(['en', 'zh-CN', 'de', 'fr', 'hi', 'es'])('agrees with Intl.NumberFormat in %s, whole numbers or not', (locale) => {
    const intl = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const format = numberFormatter(locale);
    const samples = [-0, 0.5, 1.5, 2.5, -2.5, 1234.49, 1234.5, 1e21, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
    let seed = 11;
    for (let i = 0; i < 3000; i += 1) {
      seed = (seed * 48271) % 2147483647;
      const digits = 1 + (i % 16);
      samples.push(Math.floor((seed / 2147483647) * 10 ** digits) * (i % 7 === 0 ? -1 : 1));
    }
    expect(samples.filter((n) => format(n) !== intl.format(n))).toEqual([]);
  });
});
