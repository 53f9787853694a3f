import { buildPreview } from './preview';

describe('buildPreview', () => {
  test.each([
    // signature, content, params, expected chars, segments, unfilled
    ['腾讯云', '您的验证码是{1}，5分钟内有效。', undefined, 5 + 17, 1, true],
    ['腾讯云', '您的验证码是{1}，5分钟内有效。', ['123456'], 5 + 20, 1, false],
    ['ab', 'x'.repeat(66), undefined, 70, 1, false],
    ['ab', 'x'.repeat(67), undefined, 71, 2, false],
  ])('%s + %s', (signature, content, params, chars, segments, unfilled) => {
    const p = buildPreview(signature, content, params);
    expect(p.chars).toBe(chars);
    expect(p.segments).toBe(segments);
    expect(p.unfilled).toBe(unfilled);
  });

  test('marks variables and fills them with the given values', () => {
    const p = buildPreview('S1', '尊敬的{1}，订单{2}已发货', ['张三', 'A1']);
    expect(p.pieces).toEqual([{ text: '尊敬的' }, { variable: 1, value: '张三' }, { text: '，订单' }, { variable: 2, value: 'A1' }, { text: '已发货' }]);
  });
});
