import { templateFit } from './template-fit';
import { MAX_MESSAGE_LENGTH } from './segments';

const BODY_496 = '好'.repeat(MAX_MESSAGE_LENGTH - 4);

describe('templateFit', () => {
  test.each([
    // content, approved signatures, longest count (chars | segments | too long), fits the shortest
    ['您好', ['腾讯云', '阿里'], { signature: '腾讯云', chars: 7, segments: 1, tooLong: false }, true],
    ['好'.repeat(66), ['腾讯云'], { signature: '腾讯云', chars: 71, segments: 2, tooLong: false }, true],
    // 496 + 【阿里】 = 500 fits; with 【腾讯云】 it is 501: the editor warns, approval still allows it.
    [BODY_496, ['腾讯云', '阿里'], { signature: '腾讯云', chars: 501, segments: 8, tooLong: true }, true],
    // 500 characters fit no signature at all: the case the issue reports (506 with its signature).
    ['好'.repeat(500), ['测试签名'], { signature: '测试签名', chars: 506, segments: 8, tooLong: true }, false],
  ])('%#', (content, signatures, longest, fitsShortest) => {
    expect(templateFit(content, signatures)).toEqual({ longest, fitsShortest });
  });

  test('no approved signature yet: no count with one, and the bare brackets decide', () => {
    expect(templateFit('好'.repeat(498), [])).toEqual({ longest: null, fitsShortest: true });
    expect(templateFit('好'.repeat(499), [])).toEqual({ longest: null, fitsShortest: false });
  });

  test('empty content has nothing to count', () => {
    expect(templateFit('', ['腾讯云'])).toEqual({ longest: null, fitsShortest: true });
  });
});
