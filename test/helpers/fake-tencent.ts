import { tc3Signature } from '../../src/carrier/cloud/tencent.signature';
import { FakeHttpServer, type FakeRequest, type FakeAnswer } from './fake-http';

/**
 * A local Tencent Cloud SMS (API 2021-01-11) for the tests. It recomputes every request's TC3-HMAC-SHA256 signature
 * from the documented steps and refuses a wrong one, as the real API does (AuthFailure.*). It accepts SendSms (at
 * most 200 numbers), fails chosen numbers, throttles the next calls, refuses a zero balance, hands out receipts and
 * replies through the pull actions (100 at a time, each once), looks numbers up, lists templates, and can hold a
 * SendSms without answering after recording it (a lost answer).
 */
export interface FakeTencentSent {
  serialNo: string;
  phone: string;
  templateId: string;
  signName: string;
  params: string[];
  sessionContext: string;
  at: number;
}

export interface FakeTencentOptions {
  secretId?: string;
  secretKey?: string;
  sdkAppId?: string;
}

export class FakeTencent extends FakeHttpServer {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sdkAppId: string;
  readonly sent: FakeTencentSent[] = [];
  readonly calls: Record<string, number> = {};
  /** Per-number code for SendSms (e.g. InvalidParameterValue.IncorrectPhoneNumber). */
  readonly failNumbers = new Map<string, string>();
  /** Per-number receipt failure description (e.g. UNDELIV); others are delivered. */
  readonly failReceipts = new Map<string, string>();
  /** Numbers whose sends never get a receipt, for tests that need a message left waiting. */
  readonly silentNumbers = new Set<string>();
  throttleNextCalls = 0;
  /** The next calls answer HTTP 503 with no body the client can read (a provider outage). */
  failNextCalls = 0;
  hangNextSends = 0;
  /** Numbers PullSmsSendStatusByPhoneNumber does not find (its record not there yet when a lost send is looked up). */
  readonly hideFromQueries = new Set<string>();
  balance = Number.POSITIVE_INFINITY;
  /** When true, every sent message gets its receipt queued at once. */
  autoReceipts = true;
  templates: { TemplateId: number; TemplateName: string; TemplateContent: string; StatusCode: number }[] = [];
  private reports: Record<string, unknown>[] = [];
  private replies: Record<string, unknown>[] = [];
  private serial = 0;

  constructor(options: FakeTencentOptions = {}) {
    super();
    this.secretId = options.secretId ?? 'AKIDfakeSecretId0000000000000000';
    this.secretKey = options.secretKey ?? 'fakeSecretKey000000000000000000';
    this.sdkAppId = options.sdkAppId ?? '1400000001';
  }

  addReply(phone: string, text: string, unixTime = Math.floor(Date.now() / 1000)): void {
    this.replies.push({ PhoneNumber: `+86${phone}`, ReplyContent: text, ReplyUnixTime: unixTime, SignName: '', ExtendCode: '' });
  }

  /** Queues the receipt of a sent message now (for tests that turn autoReceipts off). */
  queueReceipt(sent: FakeTencentSent): void {
    const fail = this.failReceipts.get(sent.phone);
    this.reports.push({
      SerialNo: sent.serialNo, PhoneNumber: `+86${sent.phone}`, ReportStatus: fail ? 'FAIL' : 'SUCCESS', Description: fail ?? 'DELIVRD',
      UserReceiveTime: '2026-12-05 10:00:00', SessionContext: sent.sessionContext,
    });
  }

  pendingReceipts(): number {
    return this.reports.length;
  }

  private error(code: string, message: string): FakeAnswer {
    return { json: { Response: { Error: { Code: code, Message: message }, RequestId: `req-${this.serial}` } } };
  }

  protected handle(request: FakeRequest): FakeAnswer {
    const action = String(request.headers['x-tc-action'] ?? '');
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/sms\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/.exec(
      String(request.headers.authorization ?? ''),
    );
    if (!auth) return this.error('AuthFailure.InvalidAuthorization', 'bad Authorization header');
    if (auth[1] !== this.secretId) return this.error('AuthFailure.SecretIdNotFound', 'unknown SecretId');
    const timestamp = Number(request.headers['x-tc-timestamp']);
    const expected = tc3Signature({
      secretId: this.secretId, secretKey: this.secretKey, service: 'sms', host: String(request.headers.host), payload: request.body, timestamp,
      contentType: String(request.headers['content-type']),
    });
    if (expected.signature !== auth[3] || new Date(timestamp * 1000).toISOString().slice(0, 10) !== auth[2]) {
      return this.error('AuthFailure.SignatureFailure', 'signature mismatch');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return this.error('InvalidParameter', 'body is not JSON');
    }
    if (body.SmsSdkAppId !== undefined && body.SmsSdkAppId !== this.sdkAppId) return this.error('UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SdkAppId');
    if (this.throttleNextCalls > 0) {
      this.throttleNextCalls -= 1;
      return this.error('RequestLimitExceeded', 'too fast');
    }
    if (this.failNextCalls > 0) {
      this.failNextCalls -= 1;
      return { status: 503, json: 'Service Unavailable' };
    }
    switch (action) {
      case 'SendSms':
        return this.sendSms(body);
      case 'PullSmsSendStatus':
        return this.ok({ PullSmsSendStatusSet: this.reports.splice(0, Math.min(100, Number(body.Limit) || 0)) });
      case 'PullSmsReplyStatus':
        return this.ok({ PullSmsReplyStatusSet: this.replies.splice(0, Math.min(100, Number(body.Limit) || 0)) });
      case 'PullSmsSendStatusByPhoneNumber': {
        const phone = String(body.PhoneNumber).replace(/^\+86/, '');
        const found = this.sent.filter((s) => s.phone === phone && !this.hideFromQueries.has(phone)).map((s) => ({
          SerialNo: s.serialNo, PhoneNumber: `+86${s.phone}`, ReportStatus: 'SUCCESS', Description: 'DELIVRD', UserReceiveTime: '2026-12-05 10:00:00', SessionContext: s.sessionContext,
        }));
        return this.ok({ PullSmsSendStatusSet: found });
      }
      case 'DescribeSmsTemplateList':
        return this.ok({ DescribeTemplateStatusSet: this.templates.slice(Number(body.Offset) || 0, (Number(body.Offset) || 0) + (Number(body.Limit) || 0)) });
      default:
        return this.error('InvalidAction', action);
    }
  }

  private ok(fields: Record<string, unknown>): FakeAnswer {
    return { json: { Response: { ...fields, RequestId: `req-${this.serial}` } } };
  }

  private sendSms(body: Record<string, unknown>): FakeAnswer {
    const phones = body.PhoneNumberSet as string[];
    if (!Array.isArray(phones) || phones.length === 0 || phones.length > 200) return this.error('InvalidParameterValue.PhoneNumberCountLimit', 'at most 200 numbers');
    if (this.balance <= 0) return this.error('FailedOperation.InsufficientBalanceInSmsPackage', 'no balance');
    const statuses = phones.map((e164) => {
      const phone = e164.replace(/^\+86/, '');
      const code = this.failNumbers.get(phone);
      if (code) return { SerialNo: '', PhoneNumber: e164, Fee: 0, SessionContext: body.SessionContext, Code: code, Message: code, IsoCode: 'CN' };
      this.serial += 1;
      this.balance -= 1;
      const sent: FakeTencentSent = {
        serialNo: `2640:${String(this.serial).padStart(12, '0')}`, phone, templateId: String(body.TemplateId), signName: String(body.SignName),
        params: (body.TemplateParamSet as string[]) ?? [], sessionContext: String(body.SessionContext ?? ''), at: Date.now(),
      };
      this.sent.push(sent);
      if (this.autoReceipts && !this.silentNumbers.has(phone)) this.queueReceipt(sent);
      return { SerialNo: sent.serialNo, PhoneNumber: e164, Fee: 1, SessionContext: body.SessionContext, Code: 'Ok', Message: 'send success', IsoCode: 'CN' };
    });
    if (this.hangNextSends > 0) {
      this.hangNextSends -= 1;
      return 'hang';
    }
    return this.ok({ SendStatusSet: statuses });
  }
}
