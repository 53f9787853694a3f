import { classifySmppStatus, describeSmppStatus, formatSmppCode, parseSmppCode } from './smpp-errors';
import { describeCode } from './receipt-codes';
import { translator } from '../i18n/i18n';

describe('classifySmppStatus', () => {
  test.each([
    [0x00, 'ok', 'SMPP:0x00000000', 'ESME_ROK'],
    [0x58, 'throttle', 'SMPP:0x00000058', 'ESME_RTHROTTLED'],
    [0x14, 'throttle', 'SMPP:0x00000014', 'ESME_RMSGQFUL'],
    [0x08, 'temporary', 'SMPP:0x00000008', 'ESME_RSYSERR'],
    [0x64, 'temporary', 'SMPP:0x00000064', 'ESME_RX_T_APPN'],
    [0x04, 'temporary', 'SMPP:0x00000004', 'ESME_RINVBNDSTS'],
    [0x0b, 'permanent', 'SMPP:0x0000000B', 'ESME_RINVDSTADR'],
    [0x45, 'permanent', 'SMPP:0x00000045', 'ESME_RSUBMITFAIL'],
    [0x65, 'permanent', 'SMPP:0x00000065', 'ESME_RX_P_APPN'],
    [0x0d, 'permanent', 'SMPP:0x0000000D', 'ESME_RBINDFAIL'],
    [0x400, 'permanent', 'SMPP:0x00000400', null],
  ])('0x%s', (status, kind, code, name) => {
    expect(classifySmppStatus(status)).toEqual({ kind, status, code, name });
  });
});

describe('codes and remarks', () => {
  test('parseSmppCode reads back what formatSmppCode wrote, and nothing else', () => {
    expect(parseSmppCode(formatSmppCode(0x58))).toBe(0x58);
    expect(parseSmppCode('SMPP:0x0000000b')).toBe(0x0b);
    expect(parseSmppCode('UNDELIV')).toBeNull();
    expect(parseSmppCode('SMPP:0xZZ')).toBeNull();
  });

  test.each([
    ['en', 0x58, 'The SMSC asked to slow down (retried)'],
    ['zh-CN', 0x58, '短信中心要求降低发送速率（已重试）'],
    ['en', 0x0b, 'The destination number is invalid'],
    ['en', 0x400, 'SMPP error SMPP:0x00000400 from the SMSC'],
    ['zh-CN', 0x400, '短信中心返回 SMPP 错误 SMPP:0x00000400'],
  ] as const)('%s 0x%s', (locale, status, remark) => {
    expect(describeSmppStatus(status, translator(locale))).toBe(remark);
  });

  test('the task details and exports show the readable remark beside an SMPP code', () => {
    expect(describeCode('SMPP:0x00000014', 'zh-CN')).toBe('短信中心队列已满：已降低发送速率（已重试）');
    expect(describeCode('SMPP:0x0000000B', 'en')).toBe('The destination number is invalid');
    expect(describeCode('UNDELIV', 'en')).toBe('Undeliverable: the handset could not be reached');
  });
});
