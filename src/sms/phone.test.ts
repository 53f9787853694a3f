import { normalizePhone, parsePhoneSearch, splitManualNumbers } from './phone';

describe('normalizePhone: valid numbers', () => {
  test.each([
    ['plain', '13800138000', '13800138000'],
    ['+86 with spaces and dashes', '+86 138-0013-8000', '13800138000'],
    ['0086 prefix', '0086 13800138000', '13800138000'],
    ['86 prefix', '8613800138000', '13800138000'],
    ['86 prefix with spaces', '86 138 0013 8000', '13800138000'],
    ['full-width digits', '８６１３８００１３８０００', '13800138000'],
    ['full-width plus', '＋８６１３８００１３８０００', '13800138000'],
    ['parentheses and dot', '(138)0013.8000', '13800138000'],
    ['full-width parentheses', '（138）00138000', '13800138000'],
    ['parenthesised country code', '(+86) 13800138000', '13800138000'],
    ['full-width dash', '138－0013－8000', '13800138000'],
    ['en and em dashes', '138–0013—8000', '13800138000'],
    ['ideographic space and NBSP', '138\u30000013\u00a08000', '13800138000'],
    ['surrounding whitespace', ' \t13800138000\n', '13800138000'],
    ['full-width dots', '138．0013．8000', '13800138000'],
    ['199 prefix', '19912345678', '19912345678'],
  ])('%s: %j', (_label, input, phone) => {
    expect(normalizePhone(input)).toEqual({ ok: true, phone });
  });

  test.each([
    ['safe integer', 13800138000, '13800138000'],
    ['with 86', 8613800138000, '13800138000'],
    ['bigint', 13800138000n, '13800138000'],
  ])('numeric cell, %s', (_label, input, phone) => {
    expect(normalizePhone(input)).toEqual({ ok: true, phone });
  });
});

describe('normalizePhone: rejected', () => {
  test.each([
    ['empty string', '', 'empty', undefined],
    ['spaces', '  ', 'empty', undefined],
    ['ideographic space', '\u3000', 'empty', undefined],
    ['null', null, 'empty', undefined],
    ['undefined', undefined, 'empty', undefined],
    ['placeholder dash', '-', 'empty', undefined],
    ['scientific text', '1.38001380001E+10', 'scientific', undefined],
    ['short scientific text', '1.38E+10', 'scientific', undefined],
    ['lower-case scientific', '1.38e+10', 'scientific', undefined],
    ['scientific without fraction', '1E+10', 'scientific', undefined],
    ['full-width scientific digits', '１.３８E+10', 'scientific', undefined],
    ['non-integer number', 13800138000.5, 'not_integer', undefined],
    ['NaN', Number.NaN, 'not_integer', undefined],
    ['Infinity', Number.POSITIVE_INFINITY, 'not_integer', undefined],
    ['12x prefix', '12800138000', 'not_mobile', undefined],
    ['a numeric cell past 2^53, read by its exact digits', 2 ** 60, 'length', 19],
    ['10x prefix', '10086100861', 'not_mobile', undefined],
    ['86 + 9 digits is 11 digits, not a mobile', '86138001380', 'not_mobile', undefined],
    ['other country code', '+1 415 555 2671', 'not_mobile', undefined],
    ['10 digits', '1380013800', 'length', 10],
    ['12 digits', '138001380001', 'length', 12],
    ['+86 then 10 digits counts the national part', '+86 138 0013 800', 'length', 10],
    ['86 then 10 digits counts everything', '861380013800', 'length', 12],
    ['number with too few digits', 1380013800, 'length', 10],
    ['unsafe integer', 1e20, 'length', 21],
    ['letters', '138abc00138', 'invalid_chars', undefined],
    ['plus in the middle', '138+0013800', 'invalid_chars', undefined],
    ['plus followed by letters', '+86abc', 'invalid_chars', undefined],
    ['slash', '138/0013/8000', 'invalid_chars', undefined],
    ['boolean', true, 'invalid_chars', undefined],
    ['date object', new Date(0), 'invalid_chars', undefined],
  ])('%s', (_label, input, reason, digits) => {
    const expected = digits === undefined ? { ok: false, reason } : { ok: false, reason, digits };
    expect(normalizePhone(input)).toEqual(expected);
  });
});

describe('splitManualNumbers', () => {
  test.each([
    ['empty', '', []],
    ['blank lines only', '\n\n  \r\n', []],
    ['new lines', '13800138000\n13900139000', ['13800138000', '13900139000']],
    ['Windows new lines and blank lines', '13800138000\r\n\r\n13900139000\r\n', ['13800138000', '13900139000']],
    ['commas', '13800138000,13900139000', ['13800138000', '13900139000']],
    ['full-width commas', '13800138000，13900139000', ['13800138000', '13900139000']],
    ['semicolons', '13800138000;13900139000；13700137000', ['13800138000', '13900139000', '13700137000']],
    ['spaces stay inside a number', '139 0013 9000\n+86 137 0013 7000', ['139 0013 9000', '+86 137 0013 7000']],
    ['ideographic spaces and tabs stay inside a number', '139\u30000013\t9000', ['139\u30000013\t9000']],
    ['enumeration comma', '13800138000、13900139000', ['13800138000', '13900139000']],
    [
      'mixed separators with blank lines',
      ' 13800138000,\n\n13900139000 ；13700137000\t,, \n+86 136 0013 6000；\n',
      ['13800138000', '13900139000', '13700137000', '+86 136 0013 6000'],
    ],
    ['keeps invalid pieces for the report', 'abc, 138-0013-8000', ['abc', '138-0013-8000']],
  ])('%s', (_label, text, expected) => {
    expect(splitManualNumbers(text)).toEqual(expected);
  });
});

describe('parsePhoneSearch', () => {
  test.each([
    ['a whole number', '13800138000', { kind: 'exact', phone: '13800138000' }],
    ['a whole number with +86 and dashes', '+86 138-0013-8000', { kind: 'exact', phone: '13800138000' }],
    ['full-width digits', '１３８００１３８０００', { kind: 'exact', phone: '13800138000' }],
    ['first digits', '138', { kind: 'prefix', digits: '138' }],
    ['one digit', '1', { kind: 'prefix', digits: '1' }],
    ['ten digits', '1380013800', { kind: 'prefix', digits: '1380013800' }],
    ['first digits with spaces', ' 138 0013 ', { kind: 'prefix', digits: '1380013' }],
    ['full-width first digits', '１３８', { kind: 'prefix', digits: '138' }],
    ['+86 before the first digits', '+86138', { kind: 'prefix', digits: '138' }],
    ['0086 before the first digits', '0086 138', { kind: 'prefix', digits: '138' }],
    ['86 before the first digits', '86138', { kind: 'prefix', digits: '138' }],
    ['not starting with 1', '238', { kind: 'invalid' }],
    ['letters', '13a', { kind: 'invalid' }],
    ['11 digits but not a mobile', '12800138000', { kind: 'invalid' }],
    ['too long', '138001380001', { kind: 'invalid' }],
    ['a wildcard', '138*', { kind: 'invalid' }],
    ['last four digits', '8000', { kind: 'suffix', digits: '8000' }],
    ['last digits with a space', '0013 8000', { kind: 'suffix', digits: '00138000' }],
    ['last digits starting with 1, asked for with a star', '*1234', { kind: 'suffix', digits: '1234' }],
    ['full-width star', '＊１２３４', { kind: 'suffix', digits: '1234' }],
    ['three last digits are too few', '*800', { kind: 'invalid' }],
    ['eleven last digits are too many', '*13800138000', { kind: 'invalid' }],
  ])('%s', (_label, text, expected) => {
    expect(parsePhoneSearch(text)).toEqual(expected);
  });
});
