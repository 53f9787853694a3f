import { en } from '../../i18n/en';
import { zhCN } from '../../i18n/zh-CN';
import { translator } from '../../i18n/i18n';
import { CLOUD_CODE_KINDS, CLOUD_PROVIDERS, classifyCloudCode, describeCloudCode } from './cloud-codes';

describe('classifyCloudCode', () => {
  test.each([
    ['tencent', 'Ok', 'ok'],
    ['tencent', 'LimitExceeded.PhoneNumberDailyLimit', 'throttle'],
    ['tencent', 'LimitExceeded.SomethingNew', 'throttle'],
    ['tencent', 'InternalError.Whatever', 'temporary'],
    ['tencent', 'AuthFailure.SignatureExpire', 'account_down'],
    ['tencent', 'FailedOperation.InsufficientBalanceInSmsPackage', 'account_down'],
    ['tencent', 'InvalidParameterValue.IncorrectPhoneNumber', 'permanent'],
    ['aliyun', 'isv.BUSINESS_LIMIT_CONTROL', 'throttle'],
    ['aliyun', 'isp.SYSTEM_ERROR', 'temporary'],
    ['aliyun', 'isv.AMOUNT_NOT_ENOUGH', 'account_down'],
    ['aliyun', 'SignatureDoesNotMatch', 'account_down'],
    ['aliyun', 'isv.MOBILE_NUMBER_ILLEGAL', 'permanent'],
    ['ucloud', '171', 'account_down'],
    ['ucloud', '99999', 'permanent'],
  ] as const)('%s %s is %s', (provider, raw, kind) => {
    expect(classifyCloudCode(provider, raw)).toEqual({ kind, provider, raw, code: `${provider.toUpperCase()}:${raw}` });
  });
});

test('every listed code has a remark in both catalogues', () => {
  const catalogues = [en as Record<string, string>, zhCN as Record<string, string>];
  for (const provider of CLOUD_PROVIDERS) {
    for (const raw of Object.keys(CLOUD_CODE_KINDS[provider])) {
      for (const catalogue of catalogues) expect(catalogue[`cloud.code.${provider}.${raw}`]).toEqual(expect.any(String));
    }
  }
});

test('a stored code reads back as its remark in the reader language; an unlisted one names its code', () => {
  expect(describeCloudCode('TENCENT:FailedOperation.PhoneNumberInBlacklist', translator('zh-CN'))).toBe('该号码在腾讯云黑名单中(用户已退订)');
  expect(describeCloudCode('ALIYUN:isv.NEW_CODE', translator('en'))).toBe('Error ALIYUN:isv.NEW_CODE from the provider');
  expect(describeCloudCode('CLOUD:TIMEOUT', translator('en'))).toMatch(/not known/);
  expect(describeCloudCode('SMPP:0x00000058', translator('en'))).toBeNull();
});
