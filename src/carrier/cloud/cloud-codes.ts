/**
 * What a cloud provider's code means for the messages that got it, and how it is shown. The one place that decides,
 * per provider, which codes are retried, which reject the message, and which also take the account down (bad
 * credentials, no balance: sending more would only burn the task's recipients).
 * Stored codes are `<PROVIDER>:<provider's code>` (e.g. `TENCENT:LimitExceeded.PhoneNumberDailyLimit`), searchable
 * and the same in both languages; the remark comes from the catalogues (`cloud.code.<provider>.<code>`).
 */
import type { Translate } from '../../i18n/i18n';

export const CLOUD_PROVIDERS = ['tencent', 'aliyun', 'ucloud'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

/**
 * - `throttle`: flow control; slow down and resend, never a failure of the message.
 * - `temporary`: the provider could not take it just now (its own error, a timeout before sending, a 5xx).
 * - `permanent`: this message is refused and would be refused again.
 * - `account_down`: permanent for the message, and the account must stop sending until an admin fixes it.
 */
export type CloudCodeKind = 'ok' | 'throttle' | 'temporary' | 'permanent' | 'account_down';

export interface CloudCode {
  kind: CloudCodeKind;
  provider: CloudProvider;
  /** The provider's own code, as it sent it. */
  raw: string;
  /** `TENCENT:…`, the form stored with the message. */
  code: string;
}

/** Codes with a remark of their own in the catalogues; others get the generic remark naming the code. */
export const CLOUD_CODE_KINDS: Readonly<Record<CloudProvider, Readonly<Record<string, CloudCodeKind>>>> = {
  tencent: {
    Ok: 'ok',
    'LimitExceeded.PhoneNumberDailyLimit': 'throttle',
    'LimitExceeded.PhoneNumberThirtySecondLimit': 'throttle',
    'LimitExceeded.PhoneNumberOneHourLimit': 'throttle',
    'LimitExceeded.AppDailyLimit': 'throttle',
    RequestLimitExceeded: 'throttle',
    'InternalError.Timeout': 'temporary',
    'InternalError.OtherError': 'temporary',
    'AuthFailure.SecretIdNotFound': 'account_down',
    'AuthFailure.SignatureFailure': 'account_down',
    'UnauthorizedOperation.SmsSdkAppIdVerifyFail': 'account_down',
    'FailedOperation.InsufficientBalanceInSmsPackage': 'account_down',
    'FailedOperation.TemplateIncorrectOrUnapproved': 'permanent',
    'FailedOperation.SignatureIncorrectOrUnapproved': 'permanent',
    'FailedOperation.PhoneNumberInBlacklist': 'permanent',
    'FailedOperation.ContainSensitiveWord': 'permanent',
    'InvalidParameterValue.IncorrectPhoneNumber': 'permanent',
    'InvalidParameterValue.TemplateParameterFormatError': 'permanent',
  },
  aliyun: {
    OK: 'ok',
    'isv.BUSINESS_LIMIT_CONTROL': 'throttle',
    'isv.DAY_LIMIT_CONTROL': 'throttle',
    Throttling: 'throttle',
    'Throttling.User': 'throttle',
    'isp.SYSTEM_ERROR': 'temporary',
    ServiceUnavailable: 'temporary',
    'InvalidAccessKeyId.NotFound': 'account_down',
    'InvalidAccessKeyId.Inactive': 'account_down',
    SignatureDoesNotMatch: 'account_down',
    'isv.AMOUNT_NOT_ENOUGH': 'account_down',
    'isv.OUT_OF_SERVICE': 'account_down',
    'isv.MOBILE_NUMBER_ILLEGAL': 'permanent',
    'isv.SMS_TEMPLATE_ILLEGAL': 'permanent',
    'isv.SMS_SIGNATURE_ILLEGAL': 'permanent',
    'isv.TEMPLATE_MISSING_PARAMETERS': 'permanent',
    'isv.BLACK_KEY_CONTROL_LIMIT': 'permanent',
  },
  ucloud: {
    '0': 'ok',
    '150': 'temporary',
    '171': 'account_down',
    '172': 'account_down',
    // Not in the reference available (USMS's balance code): the fake's choice, to be checked on a real account.
    '8001': 'account_down',
  },
};

/**
 * Codes a whole call gets because of one of its numbers (Alibaba answers one code per call): the call is split and
 * each number sent alone, so only the bad number is rejected.
 */
const NUMBER_SPECIFIC = new Set(['ALIYUN:isv.MOBILE_NUMBER_ILLEGAL', 'ALIYUN:isv.BLACK_KEY_CONTROL_LIMIT']);

export function isNumberSpecific(code: CloudCode): boolean {
  return NUMBER_SPECIFIC.has(code.code);
}

/** Families the provider documents as a whole: any Tencent `LimitExceeded.*` is flow control, and so on. */
function kindByFamily(provider: CloudProvider, raw: string): CloudCodeKind {
  if (provider === 'tencent') {
    if (raw.startsWith('LimitExceeded.')) return 'throttle';
    if (raw.startsWith('InternalError.')) return 'temporary';
    if (raw.startsWith('AuthFailure.')) return 'account_down';
  }
  if (provider === 'aliyun' && raw.startsWith('Throttling')) return 'throttle';
  return 'permanent';
}

export function classifyCloudCode(provider: CloudProvider, raw: string): CloudCode {
  const kind = CLOUD_CODE_KINDS[provider][raw] ?? kindByFamily(provider, raw);
  return { kind, provider, raw, code: `${provider.toUpperCase()}:${raw}` };
}

/** Our own codes for what no provider answered: a call that timed out, an HTTP error without a body we can read. */
export const CLOUD_TIMEOUT = 'CLOUD:TIMEOUT';
export const CLOUD_HTTP = 'CLOUD:HTTP';

const STORED = /^(TENCENT|ALIYUN|UCLOUD):(.+)$/;

/** A stored code read back (an account's last error after a restart); null when it is not a provider's code. */
export function storedCloudCode(code: string): CloudCode | null {
  const match = STORED.exec(code);
  return match ? classifyCloudCode(match[1].toLowerCase() as CloudProvider, match[2]) : null;
}

/** The remark beside a stored code, in the reader's language; null when the code is not a cloud one. */
export function describeCloudCode(code: string, t: Translate): string | null {
  if (code === CLOUD_TIMEOUT) return t('cloud.code.timeout');
  if (code.startsWith(`${CLOUD_HTTP}`)) return t('cloud.code.http', { code });
  const match = STORED.exec(code);
  if (!match) return null;
  const provider = match[1].toLowerCase() as CloudProvider;
  if (CLOUD_CODE_KINDS[provider][match[2]] !== undefined) return t(`cloud.code.${provider}.${match[2]}`);
  return t('cloud.code.other', { code });
}
