/**
 * UCloud USMS (api.ucloud.cn), signed with SHA-1 over the sorted parameters and the private key.
 * SendUSMSMessage: numbers with one parameter list; SendBatchUSMSMessage: each number its own parameters, with the
 * numbers it refused listed in FailContent. Both answer a SessionNo; our ref for a message is `<SessionNo>:<phone>`,
 * and GetUSMSSendReceipt answers by SessionNo (up to 100 a call). USMS has no lookup by number nor a reply pull in
 * its API, so a send whose answer was lost stays unknown (query answers 'unsupported').
 */
import { ucloudSignature } from './ucloud.signature';
import { classifyCloudCode } from './cloud-codes';
import {
  inPieces, postToProvider, providerError, type CloudClient, type CloudReceipt, type CloudReply, type CloudSendCall,
  type CloudSendResult, type HttpOptions, type SentRef,
} from './cloud-client';

export interface UcloudAccount {
  endpoint: string;
  publicKey: string;
  privateKey: string;
  projectId: string;
}

/**
 * USMS's API reference (docs.ucloud.cn, api/usms-api): SendUSMSMessage "最多可以向1000个手机号码发送相同内容的短信"
 * (at most 1,000 numbers with the same content a request); SendBatchUSMSMessage "最多支持200个号码" (at most 200
 * numbers a request). GetUSMSSendReceipt states no limit for SessionNoSet: 100 keeps a request small.
 */
export const UCLOUD_SEND_LIMIT = 1000;
export const UCLOUD_BATCH_LIMIT = 200;
export const UCLOUD_RECEIPT_SESSIONS = 100;

interface Receipt { Phone?: string; ReceiptResult?: string; ReceiptDesc?: string; ReceiptCode?: string; ReceiptTime?: number }
interface Failed { Phone?: string; FailureDetails?: string }

/** UCloud's lists go as numbered parameters: `PhoneNumbers.0`, `PhoneNumbers.1`, … */
export function numbered(name: string, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value, i) => [`${name}.${i}`, value]));
}

export function ucloudRef(sessionNo: string, phone: string): string {
  return `${sessionNo}:${phone}`;
}

export class UcloudClient implements CloudClient {
  readonly provider = 'ucloud' as const;
  readonly sameParamsLimit = UCLOUD_SEND_LIMIT;
  readonly perNumberLimit = UCLOUD_BATCH_LIMIT;
  readonly receiptsByRef = true;

  constructor(
    private readonly account: UcloudAccount,
    private readonly http: HttpOptions,
  ) {}

  private async call<T>(action: string, params: Record<string, string>): Promise<T> {
    const all: Record<string, string> = { ...params, Action: action, PublicKey: this.account.publicKey };
    if (this.account.projectId) all.ProjectId = this.account.projectId;
    all.Signature = ucloudSignature(all, this.account.privateKey);
    const { json } = await postToProvider('ucloud', new URL('/', this.account.endpoint).href, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all).toString(),
    }, this.http);
    const answer = json as { RetCode?: number; Message?: string };
    if (answer.RetCode !== 0) throw providerError('ucloud', String(answer.RetCode ?? 'Unknown'), String(answer.Message ?? ''));
    return json as T;
  }

  async send(call: CloudSendCall): Promise<CloudSendResult[]> {
    if (call.sameParams) {
      const params: Record<string, string> = {
        SigContent: call.signName, TemplateId: call.templateCode, UserId: call.callTag,
        ...numbered('PhoneNumbers', call.recipients.map((r) => r.phone)),
        ...numbered('TemplateParams', call.recipients[0].params),
      };
      const answer = await this.call<{ SessionNo?: string }>('SendUSMSMessage', params);
      const session = answer.SessionNo ?? '';
      return call.recipients.map((r) => ({ messageId: r.messageId, accepted: true, ref: ucloudRef(session, r.phone) }));
    }
    const task = [{
      TemplateId: call.templateCode,
      SigContent: call.signName,
      Target: call.recipients.map((r) => ({ Phone: r.phone, TemplateParams: [...r.params], UserId: call.callTag })),
    }];
    // TaskContent is the JSON array base64-encoded (the reference's own example).
    const taskContent = Buffer.from(JSON.stringify(task), 'utf8').toString('base64');
    const answer = await this.call<{ SessionNo?: string; TaskId?: string; FailContent?: { FailureDetails?: string; Target?: Failed[] }[] }>('SendBatchUSMSMessage', { TaskContent: taskContent });
    const failed = new Map<string, string>();
    // A template or signature refused names the reason on its group, not on each number.
    for (const group of answer.FailContent ?? []) for (const t of group.Target ?? []) failed.set(t.Phone ?? '', t.FailureDetails || group.FailureDetails || '');
    // Older references name the batch's id SessionNo, the current one TaskId; receipts are asked by it either way.
    const session = answer.SessionNo ?? answer.TaskId ?? '';
    return call.recipients.map((r): CloudSendResult => {
      const why = failed.get(r.phone);
      if (why !== undefined) return { messageId: r.messageId, accepted: false, code: classifyCloudCode('ucloud', 'BatchTargetFailed'), description: why };
      return { messageId: r.messageId, accepted: true, ref: ucloudRef(session, r.phone) };
    });
  }

  async pullReceipts(waiting: readonly SentRef[]): Promise<CloudReceipt[]> {
    const wanted = new Set(waiting.map((w) => w.ref));
    const sessions = [...new Set(waiting.map((w) => w.ref.slice(0, w.ref.lastIndexOf(':'))))];
    const receipts: CloudReceipt[] = [];
    for (const piece of inPieces(sessions, UCLOUD_RECEIPT_SESSIONS)) {
      const params = numbered('SessionNoSet', piece);
      const answer = await this.call<{ Data?: { SessionNo?: string; ReceiptSet?: Receipt[] }[] }>('GetUSMSSendReceipt', params);
      for (const session of answer.Data ?? []) {
        for (const r of session.ReceiptSet ?? []) {
          const ref = ucloudRef(session.SessionNo ?? '', r.Phone ?? '');
          if (!wanted.has(ref) || (r.ReceiptResult !== 'SUCCESS' && r.ReceiptResult !== 'FAIL')) continue;
          const delivered = r.ReceiptResult === 'SUCCESS';
          receipts.push({
            ref, phone: r.Phone ?? '', delivered,
            code: `UCLOUD:${delivered ? 'DELIVRD' : r.ReceiptCode || 'FAIL'}`,
            description: r.ReceiptDesc ?? '',
            reportedAt: r.ReceiptTime ? new Date(r.ReceiptTime * 1000) : new Date(),
          });
        }
      }
    }
    return receipts;
  }

  async pullReplies(): Promise<CloudReply[]> {
    return [];
  }

  async query(): Promise<'unsupported'> {
    return 'unsupported';
  }

  async listTemplates(): Promise<'unsupported'> {
    return 'unsupported';
  }

  async listSignatures(): Promise<'unsupported'> {
    return 'unsupported';
  }
}
