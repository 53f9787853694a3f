/**
 * Tencent Cloud SMS, API version 2021-01-11 (sms.tencentcloudapi.com), signed with TC3-HMAC-SHA256.
 * SendSms takes up to 200 numbers with one TemplateParamSet, so recipients with different parameters go in separate
 * calls (the adapter groups them); each number comes back in SendStatusSet with its SerialNo, our ref.
 * SessionContext carries the call's tag: PullSmsSendStatusByPhoneNumber returns it, which is how a send whose answer
 * was lost is looked up.
 */
import { tc3Signature, TC3_CONTENT_TYPE } from './tencent.signature';
import { classifyCloudCode } from './cloud-codes';
import {
  postToProvider, providerError, type CloudClient, type CloudReceipt, type CloudRecipient, type CloudReply,
  type CloudSendCall, type CloudSendResult, type HttpOptions, type ProviderTemplate, type QueryOutcome, type SentRef,
} from './cloud-client';

export interface TencentAccount {
  endpoint: string;
  region: string;
  sdkAppId: string;
  secretId: string;
  secretKey: string;
}

export const TENCENT_VERSION = '2021-01-11';
export const TENCENT_SEND_LIMIT = 200;
/** PullSmsSendStatus / PullSmsReplyStatus: at most 100 per call. */
export const TENCENT_PULL_LIMIT = 100;

interface Status { SerialNo?: string; PhoneNumber?: string; Code?: string; Message?: string; SessionContext?: string }
interface Report { SerialNo?: string; PhoneNumber?: string; ReportStatus?: string; Description?: string; UserReceiveTime?: string; SessionContext?: string }
interface Reply { PhoneNumber?: string; ReplyContent?: string; ReplyUnixTime?: number; ExtendCode?: string; SignName?: string }

/** Qunfa stores mainland numbers as 11 digits; Tencent wants E.164. */
export const toE164 = (phone: string) => (phone.startsWith('+') ? phone : `+86${phone}`);
const fromE164 = (phone: string) => (phone.startsWith('+86') ? phone.slice(3) : phone.replace(/^\+/, ''));

/** Tencent's receipt time is "yyyy-MM-dd HH:mm:ss" in Beijing time. */
function beijingTime(text: string | undefined): Date {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text ?? '');
  return match ? new Date(`${match[1]}T${match[2]}+08:00`) : new Date();
}

export class TencentClient implements CloudClient {
  readonly provider = 'tencent' as const;
  readonly sameParamsLimit = TENCENT_SEND_LIMIT;
  /** Per-number parameters mean one call per distinct parameter list. */
  readonly perNumberLimit = 1;
  readonly receiptsByRef = false;

  constructor(
    private readonly account: TencentAccount,
    private readonly http: HttpOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private async call<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const url = new URL(this.account.endpoint);
    const payload = JSON.stringify(body);
    const timestamp = Math.floor(this.now() / 1000);
    const { authorization } = tc3Signature({ secretId: this.account.secretId, secretKey: this.account.secretKey, service: 'sms', host: url.host, payload, timestamp });
    const { json } = await postToProvider('tencent', url.href, {
      headers: {
        Authorization: authorization,
        'Content-Type': TC3_CONTENT_TYPE,
        'X-TC-Action': action,
        'X-TC-Version': TENCENT_VERSION,
        'X-TC-Timestamp': String(timestamp),
        'X-TC-Region': this.account.region,
      },
      body: payload,
    }, this.http);
    const response = (json as { Response?: Record<string, unknown> }).Response ?? {};
    const error = response.Error as { Code?: string; Message?: string } | undefined;
    if (error) throw providerError('tencent', String(error.Code), String(error.Message ?? ''));
    return response as T;
  }

  async send(call: CloudSendCall): Promise<CloudSendResult[]> {
    const byPhone = new Map(call.recipients.map((r) => [toE164(r.phone), r]));
    const response = await this.call<{ SendStatusSet?: Status[] }>('SendSms', {
      PhoneNumberSet: [...byPhone.keys()],
      SmsSdkAppId: this.account.sdkAppId,
      TemplateId: call.templateCode,
      SignName: call.signName,
      TemplateParamSet: [...call.recipients[0].params],
      // The call's tag (under Tencent's 512 bytes): with the phone it finds each message again (see query()).
      SessionContext: call.callTag,
    });
    const results: CloudSendResult[] = [];
    const answered = new Set<number>();
    for (const status of response.SendStatusSet ?? []) {
      const recipient = byPhone.get(status.PhoneNumber ?? '');
      if (!recipient || answered.has(recipient.messageId)) continue;
      answered.add(recipient.messageId);
      if (status.Code === 'Ok' && status.SerialNo) results.push({ messageId: recipient.messageId, accepted: true, ref: status.SerialNo });
      else results.push({ messageId: recipient.messageId, accepted: false, code: classifyCloudCode('tencent', status.Code ?? 'Unknown'), description: status.Message ?? '' });
    }
    // A number the answer left out was not sent: say so rather than leave it waiting forever.
    for (const r of call.recipients) {
      if (!answered.has(r.messageId)) results.push({ messageId: r.messageId, accepted: false, code: classifyCloudCode('tencent', 'MissingFromAnswer'), description: 'not in SendStatusSet' });
    }
    return results;
  }

  private toReceipt(report: Report): CloudReceipt {
    const delivered = report.ReportStatus === 'SUCCESS';
    return {
      ref: report.SerialNo ?? '',
      phone: fromE164(report.PhoneNumber ?? ''),
      delivered,
      code: `TENCENT:${delivered ? 'DELIVRD' : report.Description || 'FAIL'}`,
      description: report.Description ?? '',
      reportedAt: beijingTime(report.UserReceiveTime),
    };
  }

  /** PullSmsSendStatus hands each receipt out once; pages of 100 until a short page. */
  async pullReceipts(_waiting: readonly SentRef[]): Promise<CloudReceipt[]> {
    const receipts: CloudReceipt[] = [];
    for (;;) {
      const page = await this.call<{ PullSmsSendStatusSet?: Report[] }>('PullSmsSendStatus', { Limit: TENCENT_PULL_LIMIT, SmsSdkAppId: this.account.sdkAppId });
      const set = page.PullSmsSendStatusSet ?? [];
      receipts.push(...set.filter((r) => r.SerialNo).map((r) => this.toReceipt(r)));
      if (set.length < TENCENT_PULL_LIMIT) return receipts;
    }
  }

  async pullReplies(): Promise<CloudReply[]> {
    const replies: CloudReply[] = [];
    for (;;) {
      const page = await this.call<{ PullSmsReplyStatusSet?: Reply[] }>('PullSmsReplyStatus', { Limit: TENCENT_PULL_LIMIT, SmsSdkAppId: this.account.sdkAppId });
      const set = page.PullSmsReplyStatusSet ?? [];
      for (const r of set) {
        const phone = fromE164(r.PhoneNumber ?? '');
        const unix = Number(r.ReplyUnixTime ?? 0);
        replies.push({
          phone,
          text: r.ReplyContent ?? '',
          receivedAt: unix > 0 ? new Date(unix * 1000) : new Date(this.now()),
          // Tencent gives no id for a reply: the number, the second and the text identify it.
          ref: `${phone}:${unix}:${r.ReplyContent ?? ''}`.slice(0, 128),
        });
      }
      if (set.length < TENCENT_PULL_LIMIT) return replies;
    }
  }

  async query(recipient: CloudRecipient, sentAt: Date, callTag: string): Promise<QueryOutcome> {
    const begin = Math.floor(sentAt.getTime() / 1000) - 60;
    const page = await this.call<{ PullSmsSendStatusSet?: Report[] }>('PullSmsSendStatusByPhoneNumber', {
      BeginTime: begin,
      EndTime: Math.floor(this.now() / 1000) + 60,
      Offset: 0,
      Limit: TENCENT_PULL_LIMIT,
      PhoneNumber: toE164(recipient.phone),
      SmsSdkAppId: this.account.sdkAppId,
    });
    const mine = (page.PullSmsSendStatusSet ?? []).find((r) => r.SessionContext === callTag);
    if (!mine || !mine.SerialNo) return { found: false };
    const receipt = mine.ReportStatus === 'SUCCESS' || mine.ReportStatus === 'FAIL' ? this.toReceipt(mine) : null;
    return { found: true, ref: mine.SerialNo, receipt };
  }

  async listTemplates(): Promise<ProviderTemplate[]> {
    const templates: ProviderTemplate[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.call<{ DescribeTemplateStatusSet?: { TemplateId?: number; TemplateName?: string; TemplateContent?: string; StatusCode?: number }[] }>(
        'DescribeSmsTemplateList', { International: 0, Limit: 100, Offset: offset },
      );
      const set = page.DescribeTemplateStatusSet ?? [];
      for (const t of set) templates.push({ code: String(t.TemplateId), name: t.TemplateName ?? '', content: t.TemplateContent ?? '', approved: t.StatusCode === 0 });
      if (set.length < 100) return templates;
    }
  }

  /** DescribeSmsSignList answers only for the ids it is given: there is no list to fetch. */
  async listSignatures(): Promise<'unsupported'> {
    return 'unsupported';
  }
}
