import { aliyunSignature } from '../../src/carrier/cloud/aliyun.signature';
import { FakeHttpServer, type FakeAnswer, type FakeRequest } from './fake-http';

/**
 * A local Alibaba Cloud SMS (dysmsapi 2017-05-25, RPC style) for the tests. It recomputes each request's HMAC-SHA1
 * signature from the documented steps (form body, POST) and refuses a wrong one (SignatureDoesNotMatch), as well as
 * an unknown AccessKey ID. SendSms takes up to 1,000 numbers, SendBatchSms up to 100 with their own parameters;
 * it fails a chosen number for the whole call (isv.MOBILE_NUMBER_ILLEGAL, as the real one does), throttles, refuses
 * a zero balance, answers QuerySendDetails by number and date (paged, PageSize at most 50, or less when told), and
 * can record a send and never answer.
 */
export interface FakeAliyunSent {
  bizId: string;
  outId: string;
  phone: string;
  templateCode: string;
  signName: string;
  params: Record<string, string>;
  /** 1 waiting, 2 failed, 3 delivered (QuerySendDetails' SendStatus). */
  status: 1 | 2 | 3;
  errCode: string;
}

export class FakeAliyun extends FakeHttpServer {
  readonly accessKeyId = 'LTAIfakeAccessKeyId';
  readonly accessKeySecret = 'fakeAccessKeySecret0000';
  readonly sent: FakeAliyunSent[] = [];
  readonly calls: Record<string, number> = {};
  readonly badNumbers = new Set<string>();
  /** Numbers whose receipt fails with this code. */
  readonly failReceipts = new Map<string, string>();
  throttleNextCalls = 0;
  hangNextSends = 0;
  balance = Number.POSITIVE_INFINITY;
  /** Delivered at once (status 3) unless turned off: messages stay waiting (status 1). */
  autoDeliver = true;
  maxPageSize = 50;
  templates: { TemplateCode: string; TemplateName: string; TemplateContent: string; AuditStatus: string }[] = [];
  signs: { SignName: string; AuditStatus: string }[] = [];
  private biz = 0;

  private error(code: string, message: string, status = 400): FakeAnswer {
    return { status, json: { Code: code, Message: message, RequestId: 'fake' } };
  }

  protected handle(request: FakeRequest): FakeAnswer {
    const params = Object.fromEntries(new URLSearchParams(request.body));
    const action = params.Action ?? '';
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    if (params.AccessKeyId !== this.accessKeyId) return this.error('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0' || !params.SignatureNonce || !params.Timestamp) {
      return this.error('MissingParameter', 'signature parameters');
    }
    if (aliyunSignature('POST', params, this.accessKeySecret) !== params.Signature) return this.error('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    if (this.throttleNextCalls > 0) {
      this.throttleNextCalls -= 1;
      return { json: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控', RequestId: 'fake' } };
    }
    switch (action) {
      case 'SendSms': {
        const phones = (params.PhoneNumbers ?? '').split(',').filter(Boolean);
        if (phones.length === 0 || phones.length > 1000) return this.error('isv.MOBILE_COUNT_OVER_LIMIT', 'at most 1000');
        const values = JSON.parse(params.TemplateParam ?? '{}') as Record<string, string>;
        return this.send(phones.map((phone) => ({ phone, params: values, sign: params.SignName })), params);
      }
      case 'SendBatchSms': {
        const phones = JSON.parse(params.PhoneNumberJson ?? '[]') as string[];
        const signs = JSON.parse(params.SignNameJson ?? '[]') as string[];
        const values = JSON.parse(params.TemplateParamJson ?? '[]') as Record<string, string>[];
        if (phones.length === 0 || phones.length > 100 || signs.length !== phones.length || values.length !== phones.length) return this.error('isv.INVALID_JSON_PARAM', 'batch');
        return this.send(phones.map((phone, i) => ({ phone, params: values[i], sign: signs[i] })), params);
      }
      case 'QuerySendDetails': {
        const size = Math.min(Number(params.PageSize) || 10, 50, this.maxPageSize);
        const page = Number(params.CurrentPage) || 1;
        const rows = this.sent.filter((s) => s.phone === params.PhoneNumber && (!params.BizId || s.bizId === params.BizId));
        const dto = rows.slice((page - 1) * size, page * size).map((s) => ({
          PhoneNum: s.phone, SendStatus: s.status, ErrCode: s.status === 3 ? 'DELIVERED' : s.errCode, TemplateCode: s.templateCode,
          Content: '', SendDate: '2026-12-05 10:00:00', ReceiveDate: '2026-12-05 10:00:05', OutId: s.outId,
        }));
        return { json: { Code: 'OK', Message: 'OK', RequestId: 'fake', TotalCount: rows.length, SmsSendDetailDTOs: { SmsSendDetailDTO: dto } } };
      }
      case 'QuerySmsSignList':
        return { json: { Code: 'OK', Message: 'OK', RequestId: 'fake', SmsSignList: this.signs } };
      case 'QuerySmsTemplateList':
        return { json: { Code: 'OK', Message: 'OK', RequestId: 'fake', SmsTemplateList: this.templates } };
      default:
        return this.error('InvalidAction.NotFound', action, 404);
    }
  }

  private send(items: { phone: string; params: Record<string, string>; sign: string }[], params: Record<string, string>): FakeAnswer {
    if (items.some((i) => this.badNumbers.has(i.phone))) return { json: { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: 'fake' } };
    if (this.balance < items.length) return { json: { Code: 'isv.AMOUNT_NOT_ENOUGH', Message: '账户余额不足', RequestId: 'fake' } };
    this.biz += 1;
    const bizId = `${900000 + this.biz}^0`;
    this.balance -= items.length;
    for (const item of items) {
      const fail = this.failReceipts.get(item.phone);
      this.sent.push({
        bizId, outId: params.OutId ?? '', phone: item.phone, templateCode: params.TemplateCode, signName: item.sign, params: item.params,
        status: !this.autoDeliver ? 1 : fail ? 2 : 3, errCode: fail ?? '',
      });
    }
    if (this.hangNextSends > 0) {
      this.hangNextSends -= 1;
      return 'hang';
    }
    return { json: { Code: 'OK', Message: 'OK', RequestId: 'fake', BizId: bizId } };
  }
}
