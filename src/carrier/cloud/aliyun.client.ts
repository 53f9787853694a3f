/**
 * Alibaba Cloud SMS (dysmsapi, API version 2017-05-25), RPC style signed with HMAC-SHA1.
 * SendSms: up to 1,000 numbers with one TemplateParam; SendBatchSms: up to 100 numbers, each with its own
 * parameters and signature. Either answers one BizId for the whole call and no per-number result: a number the
 * provider refuses later shows in its receipt. Our ref for a message is `<call tag>:<phone>`; the call tag goes out
 * as OutId, which QuerySendDetails and the receipt callback both return, so a message is found again even when the
 * answer carrying the BizId was lost.
 */
import { randomUUID } from 'node:crypto';
import { aliyunSignature } from './aliyun.signature';
import {
  postToProvider, providerError, type CloudClient, type CloudReceipt, type CloudRecipient, type CloudReply,
  type CloudSendCall, type CloudSendResult, type HttpOptions, type ProviderTemplate, type QueryOutcome, type SentRef,
} from './cloud-client';

export interface AliyunAccount {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export const ALIYUN_VERSION = '2017-05-25';
export const ALIYUN_SEND_LIMIT = 1000;
export const ALIYUN_BATCH_LIMIT = 100;
/** QuerySendDetails: at most 50 per page. */
export const ALIYUN_PAGE_SIZE = 50;

interface Detail { PhoneNum?: string; SendStatus?: number; ErrCode?: string; ReceiveDate?: string; SendDate?: string; OutId?: string }

/** "yyyy-MM-dd HH:mm:ss" in Beijing time, as Alibaba writes dates. */
export function beijingDate(text: string | undefined): Date {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text ?? '');
  return match ? new Date(`${match[1]}T${match[2]}+08:00`) : new Date();
}

/** The day (yyyyMMdd, Beijing) a message was sent: QuerySendDetails asks for it. */
export function sendDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

export function aliyunParams(recipient: CloudRecipient): Record<string, string> {
  const names = recipient.paramNames ?? [];
  return Object.fromEntries(recipient.params.map((value, i) => [names[i] ?? `p${i + 1}`, value]));
}

export function aliyunRef(callTag: string, phone: string): string {
  return `${callTag}:${phone}`;
}

export class AliyunClient implements CloudClient {
  readonly provider = 'aliyun' as const;
  readonly sameParamsLimit = ALIYUN_SEND_LIMIT;
  readonly perNumberLimit = ALIYUN_BATCH_LIMIT;
  readonly receiptsByRef = true;
  /** The BizId of each call tag we sent, to ask QuerySendDetails precisely. */
  private readonly bizIds = new Map<string, string>();

  constructor(
    private readonly account: AliyunAccount,
    private readonly http: HttpOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private async call<T>(action: string, params: Record<string, string>): Promise<T> {
    const all: Record<string, string> = {
      ...params,
      AccessKeyId: this.account.accessKeyId,
      Action: action,
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      Timestamp: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: ALIYUN_VERSION,
    };
    all.Signature = aliyunSignature('POST', all, this.account.accessKeySecret);
    const { json } = await postToProvider('aliyun', new URL('/', this.account.endpoint).href, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all).toString(),
    }, this.http);
    const answer = json as { Code?: string; Message?: string };
    if (answer.Code !== 'OK') throw providerError('aliyun', String(answer.Code ?? 'Unknown'), String(answer.Message ?? ''));
    return json as T;
  }

  async send(call: CloudSendCall): Promise<CloudSendResult[]> {
    let answer: { BizId?: string };
    if (call.sameParams) {
      answer = await this.call('SendSms', {
        PhoneNumbers: call.recipients.map((r) => r.phone).join(','),
        SignName: call.signName,
        TemplateCode: call.templateCode,
        TemplateParam: JSON.stringify(aliyunParams(call.recipients[0])),
        OutId: call.callTag,
      });
    } else {
      answer = await this.call('SendBatchSms', {
        PhoneNumberJson: JSON.stringify(call.recipients.map((r) => r.phone)),
        SignNameJson: JSON.stringify(call.recipients.map(() => call.signName)),
        TemplateCode: call.templateCode,
        TemplateParamJson: JSON.stringify(call.recipients.map((r) => aliyunParams(r))),
        OutId: call.callTag,
      });
    }
    if (answer.BizId) this.bizIds.set(call.callTag, answer.BizId);
    return call.recipients.map((r) => ({ messageId: r.messageId, accepted: true, ref: aliyunRef(call.callTag, r.phone) }));
  }

  /** Every page of QuerySendDetails for one number on one day (of one call when its BizId is known). */
  private async details(phone: string, day: string, bizId: string | undefined): Promise<Detail[]> {
    const all: Detail[] = [];
    for (let page = 1; ; page++) {
      const params: Record<string, string> = { PhoneNumber: phone, SendDate: day, PageSize: String(ALIYUN_PAGE_SIZE), CurrentPage: String(page) };
      if (bizId) params.BizId = bizId;
      const answer = await this.call<{ TotalCount?: number | string; SmsSendDetailDTOs?: { SmsSendDetailDTO?: Detail[] } }>('QuerySendDetails', params);
      const rows = answer.SmsSendDetailDTOs?.SmsSendDetailDTO ?? [];
      all.push(...rows);
      if (rows.length === 0 || all.length >= Number(answer.TotalCount ?? 0)) return all;
    }
  }

  private toReceipt(ref: string, phone: string, detail: Detail): CloudReceipt | null {
    if (detail.SendStatus !== 2 && detail.SendStatus !== 3) return null;
    const delivered = detail.SendStatus === 3;
    return {
      ref, phone, delivered,
      code: `ALIYUN:${delivered ? 'DELIVERED' : detail.ErrCode || 'FAILED'}`,
      description: detail.ErrCode ?? '',
      reportedAt: beijingDate(detail.ReceiveDate),
    };
  }

  async pullReceipts(waiting: readonly SentRef[]): Promise<CloudReceipt[]> {
    const receipts: CloudReceipt[] = [];
    for (const sent of waiting) {
      const callTag = sent.ref.slice(0, sent.ref.lastIndexOf(':'));
      const detail = (await this.details(sent.phone, sendDate(sent.sentAt), this.bizIds.get(callTag))).find((d) => d.OutId === callTag);
      const receipt = detail ? this.toReceipt(sent.ref, sent.phone, detail) : null;
      if (receipt) receipts.push(receipt);
    }
    return receipts;
  }

  /** Alibaba hands replies out only through its message queue or the SmsUp callback (carrier-callbacks route). */
  async pullReplies(): Promise<CloudReply[]> {
    return [];
  }

  async query(recipient: CloudRecipient, sentAt: Date, callTag: string): Promise<QueryOutcome> {
    const detail = (await this.details(recipient.phone, sendDate(sentAt), undefined)).find((d) => d.OutId === callTag);
    if (!detail) return { found: false };
    const ref = aliyunRef(callTag, recipient.phone);
    return { found: true, ref, receipt: this.toReceipt(ref, recipient.phone, detail) };
  }

  async listTemplates(): Promise<ProviderTemplate[]> {
    const templates: ProviderTemplate[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.call<{ SmsTemplateList?: { TemplateCode?: string; TemplateName?: string; TemplateContent?: string; AuditStatus?: string }[] }>(
        'QuerySmsTemplateList', { PageIndex: String(page), PageSize: '50' },
      );
      const list = answer.SmsTemplateList ?? [];
      for (const t of list) templates.push({ code: t.TemplateCode ?? '', name: t.TemplateName ?? '', content: t.TemplateContent ?? '', approved: t.AuditStatus === 'AUDIT_STATE_PASS' });
      if (list.length < 50) return templates;
    }
  }

  async listSignatures(): Promise<string[]> {
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.call<{ SmsSignList?: { SignName?: string; AuditStatus?: string }[] }>('QuerySmsSignList', { PageIndex: String(page), PageSize: '50' });
      const list = answer.SmsSignList ?? [];
      for (const sign of list) if (sign.AuditStatus === 'AUDIT_STATE_PASS' && sign.SignName) names.push(sign.SignName);
      if (list.length < 50) return names;
    }
  }
}
