import { ucloudSignature } from '../../src/carrier/cloud/ucloud.signature';
import { FakeHttpServer, type FakeAnswer, type FakeRequest } from './fake-http';

/**
 * A local UCloud USMS for the tests. It recomputes each request's SHA-1 signature (sorted parameters, private key)
 * and refuses a wrong one (RetCode 171) or an unknown public key (172). SendUSMSMessage and SendBatchUSMSMessage
 * answer a SessionNo (the batch, whose TaskContent is base64-encoded JSON, lists refused numbers in FailContent) and
 * refuse more numbers than the reference allows (1,000 and 200); GetUSMSSendReceipt answers by SessionNo. It can
 * throttle (150), refuse a zero balance, and record a send without ever answering it. USMS has no reply API to fake.
 */
export interface FakeUcloudSent {
  sessionNo: string;
  phone: string;
  templateId: string;
  sigContent: string;
  params: string[];
  userId: string;
}

export class FakeUcloud extends FakeHttpServer {
  readonly publicKey = 'fakePublicKey@example.com0000000001';
  readonly privateKey = 'fakePrivateKey000000000000000000000000000';
  readonly projectId = 'org-fake';
  readonly sent: FakeUcloudSent[] = [];
  readonly calls: Record<string, number> = {};
  /** Numbers SendBatchUSMSMessage refuses (FailContent). */
  readonly badNumbers = new Set<string>();
  /** Template ids SendBatchUSMSMessage refuses as a whole group (the reason on the group, none on its numbers). */
  readonly badTemplates = new Set<string>();
  /** The batch's id as the current reference names it (TaskId) rather than the older SessionNo. */
  batchIdAsTaskId = false;
  readonly failReceipts = new Map<string, string>();
  /** False: GetUSMSSendReceipt answers no receipt yet (the operator has not reported). */
  receiptsReady = true;
  throttleNextCalls = 0;
  /** The next sends are recorded and never answered (a lost answer). */
  hangNextSends = 0;
  balance = Number.POSITIVE_INFINITY;
  private session = 0;

  protected handle(request: FakeRequest): FakeAnswer {
    const params = Object.fromEntries(new URLSearchParams(request.body));
    const action = params.Action ?? '';
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    const answer = (fields: Record<string, unknown>) => ({ json: { Action: `${action}Response`, ...fields } });
    if (params.PublicKey !== this.publicKey) return answer({ RetCode: 172, Message: 'public key not found' });
    if (ucloudSignature(params, this.privateKey) !== params.Signature) return answer({ RetCode: 171, Message: 'signature error' });
    if (this.throttleNextCalls > 0) {
      this.throttleNextCalls -= 1;
      return answer({ RetCode: 150, Message: 'service busy' });
    }
    const list = (prefix: string) => Object.keys(params).filter((k) => k.startsWith(`${prefix}.`)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).map((k) => params[k]);
    switch (action) {
      case 'SendUSMSMessage': {
        const phones = list('PhoneNumbers');
        if (phones.length > 1000) return answer({ RetCode: 215, Message: 'at most 1000 phone numbers a request' });
        if (this.balance < phones.length) return answer({ RetCode: 8001, Message: 'balance not enough' });
        const sessionNo = this.nextSession();
        for (const phone of phones) this.sent.push({ sessionNo, phone, templateId: params.TemplateId, sigContent: params.SigContent, params: list('TemplateParams'), userId: params.UserId ?? '' });
        this.balance -= phones.length;
        if (this.hangNextSends > 0) {
          this.hangNextSends -= 1;
          return 'hang';
        }
        return answer({ RetCode: 0, SessionNo: sessionNo, UserId: params.UserId });
      }
      case 'SendBatchUSMSMessage': {
        let tasks: { TemplateId: string; SigContent: string; Target: { Phone: string; TemplateParams: string[]; UserId?: string }[] }[];
        try {
          tasks = JSON.parse(Buffer.from(params.TaskContent ?? '', 'base64').toString('utf8')) as typeof tasks;
        } catch {
          return answer({ RetCode: 215, Message: 'TaskContent is not base64-encoded JSON' });
        }
        if (tasks.reduce((n, task) => n + task.Target.length, 0) > 200) return answer({ RetCode: 215, Message: 'at most 200 phone numbers a request' });
        const sessionNo = this.nextSession();
        const failed: { TemplateId: string; SigContent: string; Target: { Phone: string; FailureDetails: string }[] }[] = [];
        for (const task of tasks) {
          if (this.badTemplates.has(task.TemplateId)) {
            failed.push({ FailureDetails: 'template not approved', TemplateId: task.TemplateId, SigContent: task.SigContent, Target: task.Target.map((t) => ({ Phone: t.Phone, FailureDetails: '' })) } as (typeof failed)[number]);
            continue;
          }
          const bad = task.Target.filter((t) => this.badNumbers.has(t.Phone));
          if (bad.length) failed.push({ TemplateId: task.TemplateId, SigContent: task.SigContent, Target: bad.map((t) => ({ Phone: t.Phone, FailureDetails: 'invalid phone number' })) });
          for (const t of task.Target.filter((x) => !this.badNumbers.has(x.Phone))) {
            this.sent.push({ sessionNo, phone: t.Phone, templateId: task.TemplateId, sigContent: task.SigContent, params: t.TemplateParams, userId: t.UserId ?? '' });
          }
        }
        const id = this.batchIdAsTaskId ? { TaskId: sessionNo } : { SessionNo: sessionNo };
        return answer({ RetCode: 0, ...id, SuccessCount: this.sent.filter((s) => s.sessionNo === sessionNo).length, FailContent: failed });
      }
      case 'GetUSMSSendReceipt': {
        const sessions = list('SessionNoSet');
        if (sessions.length > 100) return answer({ RetCode: 230, Message: 'at most 100 sessions' });
        const data = sessions.map((sessionNo) => ({
          SessionNo: sessionNo,
          ReceiptSet: this.sent.filter((s) => this.receiptsReady && s.sessionNo === sessionNo).map((s) => {
            const fail = this.failReceipts.get(s.phone);
            return { Phone: s.phone, CostCount: 1, ReceiptResult: fail ? 'FAIL' : 'SUCCESS', ReceiptDesc: fail ?? 'DELIVRD', ReceiptCode: fail ?? 'DELIVRD', ReceiptTime: 1_764_900_000, UserId: s.userId };
          }),
        }));
        return answer({ RetCode: 0, Data: data });
      }
      default:
        return answer({ RetCode: 161, Message: `unknown action ${action}` });
    }
  }

  private nextSession(): string {
    this.session += 1;
    return `sess-${String(this.session).padStart(6, '0')}`;
  }
}
