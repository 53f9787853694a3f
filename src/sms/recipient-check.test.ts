import { cellText, checkRecipients, RecipientChecker, type InputRow } from './recipient-check';

const TWO = { signature: '测试', templateContent: '尊敬的{1}，您的订单{2}已发货。' };
const NONE = { signature: '测试', templateContent: '您的快递已到。' };

function rows(...cells: unknown[][]): InputRow[] {
  return cells.map((c, i) => ({ rowNumber: i + 1, cells: c }));
}

describe('checkRecipients: one row', () => {
  test.each([
    ['a clean row', ['13800138000', '张三', 'A1'], { phone: '13800138000', params: ['张三', 'A1'] }],
    ['+86 with spaces and dashes', ['+86 139-0013-9000', '李四', 'A2'], { phone: '13900139000', params: ['李四', 'A2'] }],
    ['full-width digits with 86', ['８６１３７００１３７０００', '王五', 'A3'], { phone: '13700137000', params: ['王五', 'A3'] }],
    ['a numeric cell', [15900001111, '赵六', 'A4'], { phone: '15900001111', params: ['赵六', 'A4'] }],
    ['trailing empty cells', ['13800138000', '张三', 'A1', '', '  ', null], { phone: '13800138000', params: ['张三', 'A1'] }],
    ['a formula kept as text', ['13800138000', '=HYPERLINK("http://x","y")', 'A1'], { params: ['=HYPERLINK("http://x","y")', 'A1'] }],
    ['markup kept as text', ['13800138000', '<script>alert(1)</script>', 'A1'], { params: ['<script>alert(1)</script>', 'A1'] }],
    ['spaces inside a parameter kept', ['13800138000', ' 张 三 ', '007'], { params: [' 张 三 ', '007'] }],
    ['a phone cell ending in a line break, a trailing cell of a tab', ['\t13800138000\r\n', '张三', 'A1', '\t'], { phone: '13800138000', params: ['张三', 'A1'] }],
    ['a parameter that looks like a variable', ['13800138000', '{2}', '$&'], { params: ['{2}', '$&'] }],
  ])('%s', (_name, cells, expected) => {
    const report = checkRecipients(rows(cells), TWO);
    expect(report.invalid).toEqual([]);
    expect(report.valid).toHaveLength(1);
    expect(report.valid[0]).toMatchObject(expected);
  });

  test.each([
    ['bad prefix', ['12345678901', 'a', 'b'], '12345678901', { code: 'phone', reason: 'not_mobile' }],
    ['10 digits', ['1380013800', 'a', 'b'], '1380013800', { code: 'phone', reason: 'length', digits: 10 }],
    ['empty phone with parameters', ['', 'a', 'b'], '', { code: 'phone', reason: 'empty' }],
    ['scientific notation', ['1.38001E+10', 'a', 'b'], '1.38001E+10', { code: 'phone', reason: 'scientific' }],
    ['a fraction in a numeric cell', [13800138000.5, 'a', 'b'], '13800138000.5', { code: 'phone', reason: 'not_integer' }],
    ['one parameter missing at the end', ['13800138000', 'a'], '13800138000', { code: 'param_count', expected: 2, found: 1 }],
    ['the first parameter empty', ['13800138000', '', 'b'], '13800138000', { code: 'param_count', expected: 2, found: 1, missing: 1 }],
    ['a parameter of spaces only', ['13800138000', 'a', '   '], '13800138000', { code: 'param_count', expected: 2, found: 1 }],
    ['one parameter too many', ['13800138000', 'a', 'b', 'c'], '13800138000', { code: 'param_count', expected: 2, found: 3 }],
    ['an extra value after an empty column', ['13800138000', 'a', 'b', '', 'x'], '13800138000', { code: 'param_count', expected: 2, found: 4 }],
    ['a message over 500 characters', ['13800138000', 'x'.repeat(484), 'b'], '13800138000', { code: 'too_long', chars: 501 }],
    ['a NUL in a parameter', ['13800138000', '张\u0000三', 'A1'], '13800138000', { code: 'control_chars' }],
    ['a NUL in the phone cell', ['1380013800\u00000', 'a', 'b'], '1380013800␀0', { code: 'control_chars' }],
    ['a NUL in a cell past the parameters', ['13800138000', 'a', 'b', '\u0000'], '13800138000', { code: 'control_chars' }],
    ['a row of a lone NUL', ['\u0000'], '␀', { code: 'control_chars' }],
    ['a line break inside a parameter', ['13800138000', '张三\n', 'A1'], '13800138000', { code: 'control_chars' }],
    ['a CR LF inside a parameter', ['13800138000', '北京\r\n朝阳', 'A1'], '13800138000', { code: 'control_chars' }],
    ['a tab inside a parameter', ['13800138000', '张\t三', 'A1'], '13800138000', { code: 'control_chars' }],
    ['an escape (C0) in a parameter', ['13800138000', 'a\u001b[31m', 'b'], '13800138000', { code: 'control_chars' }],
    ['DEL in a parameter', ['13800138000', 'a\u007f', 'b'], '13800138000', { code: 'control_chars' }],
    ['a C1 control (NEL) in a parameter', ['13800138000', 'a\u0085b', 'b'], '13800138000', { code: 'control_chars' }],
    ['a C1 control in the phone cell', ['13800138000\u0085', 'a', 'b'], '13800138000\ufffd', { code: 'control_chars' }],
    ['a backspace in the phone cell', ['13800138000\b', 'a', 'b'], '13800138000␈', { code: 'control_chars' }],
    ['U+FFFD in a parameter', ['13800138000', '张\ufffd', 'A1'], '13800138000', { code: 'undecodable' }],
    ['U+FFFD in the phone cell', ['1380013800\ufffd', 'a', 'b'], '1380013800\ufffd', { code: 'undecodable' }],
    ['U+FFFD and a control: undecodable wins', ['13800138000', '\u0001', '\ufffd'], '13800138000', { code: 'undecodable' }],
  ])('%s is invalid', (_name, cells, value, problem) => {
    const report = checkRecipients(rows(cells), TWO);
    expect(report.valid).toEqual([]);
    expect(report.invalid).toEqual([{ rowNumber: 1, value, params: expect.any(Array), problem }]);
    // The row's other cells go with it (to the invalid-rows download), never with a control character in them.
    expect(report.invalid[0].params.join('')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  test.each([
    ['a bad phone keeps its parameters as typed', ['12345678901', '孙八', 'A1006'], ['孙八', 'A1006']],
    ['a missing parameter: the ones present, trailing empties dropped', ['17712345678', '郑十一', ''], ['郑十一']],
    ['a control character is made visible', ['13800138000', '张\u0000三', 'A1'], ['张\u2400三', 'A1']],
    ['one too many: all of them', ['13800138000', 'a', 'b', 'c'], ['a', 'b', 'c']],
  ])('invalid row parameters: %s', (_name, cells, params) => {
    expect(checkRecipients(rows(cells), TWO).invalid[0].params).toEqual(params);
  });

  test('a template without variables refuses extra columns as params_not_allowed and accepts empty ones', () => {
    const report = checkRecipients(rows(['13800138000', 'x'], ['13900139000', '', ' ']), NONE);
    expect(report.invalid).toEqual([{ rowNumber: 1, value: '13800138000', params: expect.any(Array), problem: { code: 'params_not_allowed' } }]);
    expect(report.valid.map((r) => [r.phone, r.params])).toEqual([['13900139000', []]]);
  });

  test('the longest allowed message is exactly 500 characters', () => {
    // 【测试】 is 4 characters and the template's own text 12: 500 - 16 = 484 characters of parameters.
    const report = checkRecipients(rows(['13800138000', 'x'.repeat(483), 'b']), TWO);
    expect(report.valid[0]).toMatchObject({ chars: 500, segments: 8 });
  });
});

describe('checkRecipients: the report', () => {
  test('renders and measures each message with the sms rules', () => {
    const report = checkRecipients(rows(['13800138000', '张三', 'A1']), TWO);
    expect(report.valid[0]).toEqual({
      rowNumber: 1,
      phone: '13800138000',
      params: ['张三', 'A1'],
      message: '【测试】尊敬的张三，您的订单A1已发货。',
      chars: 20,
      segments: 1,
    });
    expect(report).toMatchObject({ totalMessages: 1, totalSegments: 1, longest: { chars: 20, segments: 1 } });
  });

  test('same number and parameters is removed (first kept); same number with other parameters is kept and counted', () => {
    const report = checkRecipients(
      rows(
        ['13800138000', '张三', 'A1'],
        ['+86 13800138000', '张三', 'A1'],
        ['13800138000', '张三', 'A2'],
        ['13800138000', '张三', 'A2'],
        ['13800138000', '张三', 'A3'],
        ['13900139000', '张三', 'A1'],
      ),
      TWO,
    );
    expect(report.valid.map((r) => r.rowNumber)).toEqual([1, 3, 5, 6]);
    expect(report.duplicatesRemoved).toBe(2);
    expect(report.repeatedNumbers).toBe(2);
    expect(report.rowsRead).toBe(6);
  });

  test('parameters that would join the same way are not duplicates', () => {
    const report = checkRecipients(rows(['13800138000', 'a|b', 'c'], ['13800138000', 'a', 'b|c']), TWO);
    expect(report.valid).toHaveLength(2);
    expect(report.duplicatesRemoved).toBe(0);
  });

  test('one number with 100,000 different parameters stays fast; repeats of any of them are removed', () => {
    const many: InputRow[] = [];
    for (let i = 0; i < 100_000; i += 1) many.push({ rowNumber: i + 1, cells: ['13800138000', `code ${i}`, 'x'] });
    many.push({ rowNumber: 100_001, cells: ['13800138000', 'code 99998', 'x'] }, { rowNumber: 100_002, cells: ['13800138000', 'code 0', 'x'] });
    const started = Date.now();
    const report = checkRecipients(many, TWO);
    console.log(`checkRecipients: one number, 100,002 rows in ${Date.now() - started} ms`);
    expect(report).toMatchObject({ duplicatesRemoved: 2, repeatedNumbers: 99_999 });
    expect(report.valid).toHaveLength(100_000);
  });

  test('an invalid row never removes a later valid one as a duplicate', () => {
    const report = checkRecipients(rows(['13800138000', 'a'], ['13800138000', 'a', 'b']), TWO);
    expect(report.invalid).toHaveLength(1);
    expect(report.valid).toHaveLength(1);
  });

  test('blank rows are skipped and not counted; row numbers are kept as given', () => {
    const input: InputRow[] = [
      { rowNumber: 1, cells: ['13800138000', 'a', 'b'] },
      { rowNumber: 2, cells: ['', '', '  '] },
      { rowNumber: 3, cells: [] },
      { rowNumber: 4, cells: ['', 'a', 'b'] },
    ];
    const report = checkRecipients(input, TWO);
    expect(report.rowsRead).toBe(2);
    expect(report.invalid.map((r) => r.rowNumber)).toEqual([4]);
  });

  test('totals, longest and segments across rows', () => {
    const report = checkRecipients(rows(['13800138000', 'x'.repeat(60), 'b'], ['13900139000', 'a', 'b']), TWO);
    // 16 + 61 = 77 characters: over 70, so 2 segments of 67.
    expect(report.valid.map((r) => [r.chars, r.segments])).toEqual([[77, 2], [18, 1]]);
    expect(report).toMatchObject({ totalMessages: 2, totalSegments: 3, longest: { chars: 77, segments: 2 } });
  });

  test('no rows: an empty report with no longest message', () => {
    expect(checkRecipients([], TWO)).toEqual({
      rowsRead: 0,
      valid: [],
      invalid: [],
      duplicatesRemoved: 0,
      repeatedNumbers: 0,
      totalMessages: 0,
      totalSegments: 0,
      longest: null,
    });
  });

  test('reports progress every N rows', () => {
    const seen: number[] = [];
    checkRecipients(rows(...Array.from({ length: 25 }, () => ['13800138000'])), NONE, { onProgress: (d) => seen.push(d), progressEvery: 10 });
    expect(seen).toEqual([10, 20]);
  });

  test('100,000 rows in one pass', () => {
    const many: InputRow[] = [];
    for (let i = 0; i < 100_000; i += 1) many.push({ rowNumber: i + 1, cells: [String(13000000000 + i), `客户${i}`, `B${i}`] });
    many.push({ rowNumber: 100_001, cells: ['13000000000', '客户0', 'B0'] });
    const started = Date.now();
    const report = checkRecipients(many, TWO);
    console.log(`checkRecipients: 100,001 rows in ${Date.now() - started} ms`);
    expect(report.valid).toHaveLength(100_000);
    expect(report.duplicatesRemoved).toBe(1);
  });
});

describe('cellText', () => {
  test.each([
    [null, ''],
    [undefined, ''],
    ['007', '007'],
    [13800138000, '13800138000'],
    [1e21, '1000000000000000000000'],
    [2 ** 60, '1152921504606846976'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [-0, '0'],
    [12.5, '12.5'],
    [true, 'TRUE'],
  ])('%p -> %p', (cell, text) => {
    expect(cellText(cell)).toBe(text);
  });
});

describe('RecipientChecker (issue 15: rows checked as they are read)', () => {
  it('hands valid recipients on as they are found and reports the same as checkRecipients', () => {
    const rows = [
      { rowNumber: 2, cells: ['13800138000', '张三', 'A1'] },
      { rowNumber: 3, cells: ['12345', '李四', 'A2'] },
      { rowNumber: 4, cells: ['13800138000', '张三', 'A1'] },
      { rowNumber: 5, cells: ['13900139000', '王五', 'A3'] },
    ];
    const ctx = { signature: '测试', templateContent: '尊敬的{1}，您的订单{2}已发货。' };
    const handed: number[] = [];
    const checker = new RecipientChecker(ctx, { onValid: (r) => handed.push(r.rowNumber) });
    rows.forEach((row, i) => {
      checker.add(row);
      if (i === 0) expect(handed).toEqual([2]);
    });
    const { valid, ...streamed } = checker.finish();
    const { valid: all, ...whole } = checkRecipients(rows, ctx);
    expect(valid).toEqual([]);
    expect(handed).toEqual(all.map((r) => r.rowNumber));
    expect(streamed).toEqual(whole);
  });
});
