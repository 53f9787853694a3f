import { attachmentHeader, variableContext } from './import-template.service';

const encodedName = (header: string) => decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(header)![1]);

describe('attachmentHeader', () => {
  test('a Chinese name with an emoji goes in filename* as UTF-8; the ASCII fallback in filename', () => {
    const header = attachmentHeader('🎉发货通知-导入模板.xlsx', 'import-template-3.xlsx');
    expect(header.startsWith('attachment; filename="import-template-3.xlsx"; filename*=UTF-8\'\'')).toBe(true);
    expect(encodedName(header)).toBe('🎉发货通知-导入模板.xlsx');
  });

  test("quotes, apostrophes and parentheses never end the value: they are percent-encoded or replaced", () => {
    const header = attachmentHeader(`it's "A" (v2)*.csv`, 'import-template-4.csv');
    expect(/filename\*=UTF-8''(\S+)$/.exec(header)![1]).toMatch(/^[A-Za-z0-9%._~!$&+^`|-]+$/);
    expect(encodedName(header)).toBe("it's _A_ (v2)_.csv");
  });

  test('a lone surrogate, which encodeURIComponent refuses, becomes _', () => {
    expect(encodedName(attachmentHeader('a\uD800b.csv', 'x.csv'))).toBe('a_b.csv');
  });
});

test.each([
  ['尊敬的{1}，您的订单{2}已发货，请注意查收。', 1, '尊敬的{1}，您的订单{2}…'],
  ['{1}', 1, '{1}'],
  ['验证码{2}', 1, '{1}'],
])('variableContext(%p, %p) = %p', (content, n, context) => {
  expect(variableContext(content, n)).toBe(context);
});
