import { FirstParamsIndex } from './first-params-index';

describe('FirstParamsIndex', () => {
  it('records a number’s first parameters and compares later rows with them exactly', () => {
    const index = new FirstParamsIndex();
    expect(index.see('13800138000', ['张三', 'A1'])).toBe('first');
    expect(index.see('13800138000', ['张三', 'A1'])).toBe('same');
    // Same number, other parameters (also ones that would join to the same text without the length prefix).
    expect(index.see('13800138000', ['张三A1', ''])).toBe('other');
    expect(index.see('13800138000', ['张', '三A1'])).toBe('other');
    expect(index.see('13800138000', ['张三', 'A2'])).toBe('other');
    // The later rows never replace the first.
    expect(index.see('13800138000', ['张三', 'A1'])).toBe('same');
    expect(index.see('13900139000', ['张三', 'A1'])).toBe('first');
  });

  it('keeps lone surrogates apart (UTF-8 would turn them all into the same bytes)', () => {
    const index = new FirstParamsIndex();
    expect(index.see('13800138000', ['\ud800'])).toBe('first');
    expect(index.see('13800138000', ['\ud801'])).toBe('other');
    expect(index.see('13800138000', ['\ufffd'])).toBe('other');
    expect(index.see('13800138000', ['\ud800'])).toBe('same');
    expect(index.see('13800138001', ['😀'])).toBe('first');
    expect(index.see('13800138001', ['😀'])).toBe('same');
  });

  it('tells apart parameters across the byte forms of its code: ASCII, Latin and CJK units, long parameters', () => {
    const index = new FirstParamsIndex();
    const long = 'x'.repeat(200);
    expect(index.see('13800138000', ['é', 'A'])).toBe('first');
    // 'é' (U+00E9) is two bytes 0x80 0xe9; these lists would collide if a unit's form were not self-delimiting.
    expect(index.see('13800138000', ['\u0080\u00e9', ''])).toBe('other');
    expect(index.see('13800138000', ['é', 'A', ''])).toBe('other');
    expect(index.see('13800138000', ['é', 'A'])).toBe('same');
    expect(index.see('13800138001', [long, '尊'])).toBe('first');
    expect(index.see('13800138001', [long + 'x', '尊'])).toBe('other');
    expect(index.see('13800138001', [long.slice(1), 'x尊'])).toBe('other');
    expect(index.see('13800138001', [long, '尊'])).toBe('same');
    expect(index.see('13800138002', [])).toBe('first');
    expect(index.see('13800138002', [''])).toBe('other');
    expect(index.see('13800138002', [])).toBe('same');
  });

  it('numbers that are not plain digits are told apart from the digits they resemble', () => {
    const index = new FirstParamsIndex();
    expect(index.see('013800138000', [])).toBe('first');
    expect(index.see('13800138000', [])).toBe('first');
    expect(index.see('+13800138000', [])).toBe('first');
    expect(index.see('1234567890123456789', [])).toBe('first');
    expect(index.see('1234567890123456788', [])).toBe('first');
    expect(index.see('013800138000', [])).toBe('same');
    expect(index.see('1234567890123456789', [])).toBe('same');
  });

  it('through growth and probing: 300,000 numbers that share their leading digits, each then seen again', () => {
    const index = new FirstParamsIndex();
    const phone = (i: number) => String(13000000000 + i * 7);
    for (let i = 0; i < 300_000; i += 1) {
      const seen = index.see(phone(i), [`客户${i}`, `B${i}`]);
      if (seen !== 'first') throw new Error(`row ${i} seen before: ${seen}`);
    }
    for (let i = 0; i < 300_000; i += 1) {
      const seen = index.see(phone(i), i % 2 === 0 ? [`客户${i}`, `B${i}`] : [`客户${i}`, `B${i + 1}`]);
      if (seen !== (i % 2 === 0 ? 'same' : 'other')) throw new Error(`row ${i}: ${seen}`);
    }
  });
});
