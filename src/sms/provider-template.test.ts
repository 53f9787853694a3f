import { compareWithProvider, numberNamedVariables } from './provider-template';

test.each([
  // Qunfa content, provider content, mismatch, Alibaba names
  ['您的验证码是{1}，{2}分钟内有效。', '您的验证码是{1}，{2}分钟内有效。', null, []],
  ['您的验证码是{1}，{2}分钟内有效。', '您的验证码是${code}，${minutes}分钟内有效。', null, ['code', 'minutes']],
  ['您的验证码是{1}。', '您的验证码是${code}，${minutes}分钟内有效。', 'variables', ['code', 'minutes']],
  ['您的验证码是{1}，请勿告诉他人。', '您的验证码是${code}。', 'text', ['code']],
  ['{1}您好，{1}', '${name}您好，${name}', null, ['name']],
  ['尊敬的{1}:  您好', '尊敬的{1}: 您好 ', null, []],
] as const)('%s vs %s', (qunfa, provider, mismatch, names) => {
  expect(compareWithProvider(qunfa, provider)).toEqual({ mismatch, paramNames: names });
});

test('named variables are numbered in order of first appearance', () => {
  expect(numberNamedVariables('${b}${a}${b}')).toEqual({ numbered: '{1}{2}{1}', paramNames: ['b', 'a'] });
});
