import {
  SMS_TYPES,
  TEMPLATE_CONTENT_MAX,
  TEMPLATE_NAME_MAX,
  isSmsType,
  parseVariables,
  renderTemplate,
  splitForHighlight,
  validateTemplate,
  variableCount,
  type TemplateErrors,
} from './template';

const RULES = { unsubscribePhrases: ['回T退订', '退订回T', 'Reply T to unsubscribe'] } as const;
const EMOJI = '😀';

function validate(content: string, smsType = 'notification', name = '订单通知'): TemplateErrors {
  return validateTemplate({ name, smsType, content }, RULES);
}

describe('constants', () => {
  test('match the brief', () => {
    expect(SMS_TYPES).toEqual(['verification', 'notification', 'marketing']);
    expect([TEMPLATE_NAME_MAX, TEMPLATE_CONTENT_MAX]).toEqual([32, 500]);
  });

  test.each([
    ['verification', true],
    ['marketing', true],
    ['Marketing', false],
    ['', false],
    [undefined, false],
  ])('isSmsType(%p) -> %p', (value, expected) => {
    expect(isSmsType(value)).toBe(expected);
  });
});

describe('parseVariables', () => {
  test.each([
    ['no variables', '您的订单已发货', [], 0, []],
    ['one variable', '验证码{1}', [1], 1, []],
    ['repeats allowed', '{1}，再说一次{1}', [1], 1, []],
    ['out of order', '{2}先，{1}后', [1, 2], 2, []],
    ['gap', '{1}{3}', [1, 3], 3, [2]],
    ['several gaps', '{2}{5}', [2, 5], 5, [1, 3, 4]],
    ['multi-digit', '{1}{2}{3}{4}{5}{6}{7}{8}{9}{10}', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10, []],
  ])('%s', (_label, content, indices, count, missing) => {
    expect(parseVariables(content)).toEqual({ indices, count, missing, problems: [] });
  });

  test.each([
    ['{0}', '{0}', 'variable_zero', 0],
    ['leading zero', 'x{01}', 'variable_zero', 1],
    ['double braces', '你好{{1}}', 'variable_malformed', 2],
    ['spaced', '{ 1 }', 'variable_malformed', 0],
    ['letters', '{a}', 'variable_malformed', 0],
    ['empty braces', '{}', 'variable_malformed', 0],
    ['full-width digit', '{１}', 'variable_malformed', 0],
    ['lone opening brace', '价格{1', 'variable_malformed', 2],
    ['lone closing brace', '价格1}', 'variable_malformed', 3],
    ['full-width braces', '｛1｝', 'variable_fullwidth', 0],
    ['full-width braces, full-width digit', '码｛１｝', 'variable_fullwidth', 1],
    ['mixed widths', '{1｝', 'variable_fullwidth', 0],
  ])('%s: %s', (_label, content, code, offset) => {
    const { problems } = parseVariables(content);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code, offset });
  });

  test('a malformed fragment is reported as written', () => {
    expect(parseVariables('a {{1}} b').problems).toEqual([
      { code: 'variable_malformed', fragment: '{{1}}', offset: 2 },
    ]);
  });

  test.each([
    ['full-width braces around words are text', '｛备注｝请查收'],
    ['full-width braces alone are text', '｛ ｝'],
  ])('%s', (_label, content) => {
    expect(parseVariables(content)).toEqual({ indices: [], count: 0, missing: [], problems: [] });
  });

  test('a garbled huge index keeps the gap report short', () => {
    const parsed = parseVariables('{1}{999999}');
    expect(parsed.count).toBe(999999);
    expect(parsed.missing).toHaveLength(20);
    expect(parsed.missing[0]).toBe(2);
  });

  test.each([
    ['', 0],
    ['无变量', 0],
    ['{1}{1}', 1],
    ['{2}{1}{3}', 3],
    ['{1}{3}', 3],
    ['{0}', 0],
  ])('variableCount(%j) -> %i', (content, expected) => {
    expect(variableCount(content)).toBe(expected);
  });
});

describe('validateTemplate', () => {
  test.each([
    ['notification without variables', '您的订单已发货。', 'notification'],
    ['notification with variables', '尊敬的{1}，您的订单{2}已发货。', 'notification'],
    ['repeated variable', '{1}您好，{1}的包裹已到。', 'notification'],
    ['verification with a variable', '您的验证码是{1}，5分钟内有效。', 'verification'],
    ['marketing ending with 回T退订', '新品上市，全场八折。回T退订', 'marketing'],
    ['marketing ending with 退订回T', '{1}会员专享优惠。退订回T', 'marketing'],
    ['marketing ending with English phrase', 'New arrivals, 20% off. Reply T to unsubscribe', 'marketing'],
    ['marketing phrase then trailing whitespace', '新品上市。回T退订 \n', 'marketing'],
    ['content surrounded by whitespace', '  您的订单已发货。  ', 'notification'],
    ['full-width braces around words', '｛重要｝您的订单已发货。', 'notification'],
  ])('valid: %s', (_label, content, smsType) => {
    expect(validate(content, smsType)).toEqual({});
  });

  test.each([
    ['{0}', '验证码{0}', 'verification', 'variable_zero', { fragment: '{0}' }],
    ['leading zero', '验证码{01}', 'verification', 'variable_zero', { fragment: '{01}' }],
    ['gap {1}{3}', '您好{1}，订单{3}', 'notification', 'variable_gap', { missing: [2] }],
    ['double braces', '验证码{{1}}', 'verification', 'variable_malformed', { fragment: '{{1}}' }],
    ['spaced braces', '验证码{ 1 }', 'verification', 'variable_malformed', { fragment: '{ 1 }' }],
    ['letters in braces', '您好{name}', 'notification', 'variable_malformed', { fragment: '{name}' }],
    ['lone brace', '价格{1元', 'notification', 'variable_malformed', { fragment: '{' }],
    ['full-width braces', '验证码｛1｝', 'verification', 'variable_fullwidth', { fragment: '｛1｝' }],
    ['full-width beats malformed', '{a}验证码｛1｝', 'verification', 'variable_fullwidth', { fragment: '｛1｝' }],
    ['zero beats malformed', '{a}验证码{0}', 'verification', 'variable_zero', { fragment: '{0}' }],
    ['brace problem beats gap', '{1}{3}{ 2 }', 'notification', 'variable_malformed', { fragment: '{ 2 }' }],
  ])('%s', (_label, content, smsType, code, details) => {
    expect(validate(content, smsType)).toEqual({ content: code, details });
  });

  test.each([
    ['{1} only', '{1}', 'notification'],
    ['{1}{2} only', '{1}{2}', 'notification'],
    ['variables and whitespace only', ' {1} \u3000 {2}\n', 'notification'],
    ['only a variable, verification', '{1}', 'verification'],
    ['only a variable, marketing', '{1}', 'marketing'],
  ])('only_variables: %s', (_label, content, smsType) => {
    expect(validate(content, smsType)).toEqual({ content: 'only_variables' });
  });

  test.each([
    ['verification without variable', '您的验证码请查收', 'verification', 'verification_needs_variable'],
    ['marketing without phrase', '新品上市，全场八折。', 'marketing', 'marketing_needs_unsubscribe'],
    ['marketing with phrase not at the end', '回T退订。新品上市，全场八折。', 'marketing', 'marketing_needs_unsubscribe'],
    ['marketing phrase with different case', 'Sale! reply t to unsubscribe', 'marketing', 'marketing_needs_unsubscribe'],
    ['marketing ending with a variable', '回T退订{1}', 'marketing', 'marketing_needs_unsubscribe'],
  ])('%s', (_label, content, smsType, code) => {
    expect(validate(content, smsType)).toEqual({ content: code });
  });

  test.each([
    ['no phrases configured', []],
    ['only blank phrases configured', ['', '  ']],
  ])('marketing with %s is never satisfied', (_label, unsubscribePhrases) => {
    const errors = validateTemplate({ name: '促销', smsType: 'marketing', content: '新品上市' }, { unsubscribePhrases });
    expect(errors).toEqual({ content: 'marketing_needs_unsubscribe' });
  });

  test('settings phrases are trimmed', () => {
    const rules = { unsubscribePhrases: ['  回T退订  '] };
    expect(validateTemplate({ name: '促销', smsType: 'marketing', content: '上新。回T退订' }, rules)).toEqual({});
  });

  test.each([
    ['32 characters', 'n'.repeat(32), {}],
    ['33 characters', 'n'.repeat(33), { name: 'name_too_long' }],
    ['32 CJK characters', '名'.repeat(32), {}],
    ['31 characters + emoji = 33', 'n'.repeat(31) + EMOJI, { name: 'name_too_long' }],
    ['32 characters with surrounding spaces', `  ${'n'.repeat(32)}  `, {}],
    ['empty', '', { name: 'name_required' }],
    ['whitespace only', ' \u3000\t', { name: 'name_required' }],
  ])('name: %s', (_label, name, expected) => {
    expect(validate('您的订单已发货。', 'notification', name)).toEqual(expected);
  });

  test.each([
    ['500 characters', '文'.repeat(500), {}],
    ['501 characters', '文'.repeat(501), { content: 'content_too_long' }],
    ['499 characters + emoji = 501', '文'.repeat(499) + EMOJI, { content: 'content_too_long' }],
    ['500 characters with surrounding spaces', ` ${'文'.repeat(500)}\n`, {}],
    ['too long beats brace problems', '{0}' + '文'.repeat(498), { content: 'content_too_long' }],
    ['empty', '', { content: 'content_required' }],
    ['whitespace only', ' \n\u3000 ', { content: 'content_required' }],
  ])('content: %s', (_label, content, expected) => {
    expect(validate(content)).toEqual(expected);
  });

  test.each([['promotion'], [''], ['VERIFICATION']])('smsType %j is invalid', (smsType) => {
    expect(validate('您的订单已发货。', smsType)).toEqual({ smsType: 'type_invalid' });
  });

  test('an invalid type skips the type-specific content rules', () => {
    expect(validate('没有变量也没有退订', 'bogus')).toEqual({ smsType: 'type_invalid' });
  });

  test('every field is reported at once, one code each', () => {
    expect(validateTemplate({ name: '', smsType: 'x', content: '{1}{3}' }, RULES)).toEqual({
      name: 'name_required',
      smsType: 'type_invalid',
      content: 'variable_gap',
      details: { missing: [2] },
    });
  });
});

describe('renderTemplate', () => {
  test.each([
    ['no variables', '您的订单已发货', [], '您的订单已发货'],
    ['in order', '尊敬的{1}，订单{2}已发货', ['张三', 'A123'], '尊敬的张三，订单A123已发货'],
    ['out of order', '{2}-{1}', ['a', 'b'], 'b-a'],
    ['repeated', '{1}{1}', ['x'], 'xx'],
    ['multi-digit', '{10}{1}', ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'ten'], 'ten1'],
    ['param containing {2} stays literal', '{1}|{2}', ['{2}', 'B'], '{2}|B'],
    ['param containing $& stays literal', '价格{1}', ['$&'], '价格$&'],
    ['param containing $1 and $$ stays literal', '{1}', ['$1$$'], '$1$$'],
    ['param containing markup stays literal', '你好{1}', ['<script>alert(1)</script>'], '你好<script>alert(1)</script>'],
    ['empty param', '码{1}。', [''], '码。'],
    ['extra params are ignored', '{1}', ['a', 'b'], 'a'],
    ['brace problems are left as written', '{{1}} {0} ｛1｝ {1}', ['v'], '{{1}} {0} ｛1｝ v'],
    ['emoji param', '{1}', [EMOJI], EMOJI],
  ])('%s', (_label, content, params, expected) => {
    expect(renderTemplate(content, params)).toBe(expected);
  });

  test.each([
    ['no params at all', '验证码{1}', []],
    ['one too few', '{1}{2}', ['a']],
  ])('throws when a parameter is missing: %s', (_label, content, params) => {
    expect(() => renderTemplate(content, params)).toThrow(RangeError);
  });
});

describe('splitForHighlight', () => {
  test.each([
    ['empty', '', []],
    ['text only', '你好', [{ text: '你好' }]],
    ['variable only', '{1}', [{ variable: 1 }]],
    [
      'mixed',
      '尊敬的{1}，订单{2}已发货',
      [{ text: '尊敬的' }, { variable: 1 }, { text: '，订单' }, { variable: 2 }, { text: '已发货' }],
    ],
    ['adjacent variables', '{1}{2}', [{ variable: 1 }, { variable: 2 }]],
    ['brace problems merge into text', 'a{0}b{{1}}c', [{ text: 'a{0}b{{1}}c' }]],
    ['problem then variable', '{ 1 }{1}', [{ text: '{ 1 }' }, { variable: 1 }]],
  ])('%s', (_label, content, expected) => {
    expect(splitForHighlight(content)).toEqual(expected);
  });

  test('pieces joined back give the content', () => {
    const content = '【备注】{1}，{{x}} {2}！';
    const joined = splitForHighlight(content)
      .map((piece) => ('text' in piece ? piece.text : `{${piece.variable}}`))
      .join('');
    expect(joined).toBe(content);
  });
});
