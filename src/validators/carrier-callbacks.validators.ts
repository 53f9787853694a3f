/**
 * The bodies the providers push to /carrier-callbacks/<account>/<token>, checked before anything is stored:
 * Tencent's status report (an array) and reply (an object), Alibaba's SmsReport and SmsUp (arrays). A body that is
 * not one of these shapes is refused whole (400), so nothing half-read is recorded.
 * The refs are those of the pulls (tencent.client.ts, aliyun.client.ts), so a receipt or reply that arrives both
 * ways is applied once.
 */
import { aliyunRef, beijingDate } from '../carrier/cloud/aliyun.client';
import type { CloudReceipt, CloudReply } from '../carrier/cloud/cloud-client';
import type { CloudProvider } from '../carrier/cloud/cloud-codes';

export const CALLBACK_MAX_ITEMS = 1000;

export type CallbackBody = { ok: true; receipts: CloudReceipt[]; replies: CloudReply[] } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 256): string | null => (typeof v === 'string' && v.length <= max ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const PHONE = /^\+?\d{5,20}$/;

function beijing(text: string): Date {
  return beijingDate(text);
}

function tencent(body: unknown): CallbackBody {
  if (isObject(body)) {
    const phone = str(body.mobile, 20);
    const text = str(body.text, 2000);
    const time = Number(body.time);
    if (!phone || !PHONE.test(phone) || text === null || !Number.isInteger(time) || time <= 0) return { ok: false, reason: 'not a Tencent reply' };
    return { ok: true, receipts: [], replies: [{ phone, text, receivedAt: new Date(time * 1000), ref: `${phone}:${time}:${text}`.slice(0, 128) }] };
  }
  if (!Array.isArray(body) || body.length === 0 || body.length > CALLBACK_MAX_ITEMS) return { ok: false, reason: 'not a Tencent status report' };
  const receipts: CloudReceipt[] = [];
  for (const item of body) {
    if (!isObject(item)) return { ok: false, reason: 'item is not an object' };
    const sid = str(item.sid, 128);
    const phone = str(item.mobile, 20);
    const status = item.report_status;
    if (!sid || !phone || !PHONE.test(phone) || (status !== 'SUCCESS' && status !== 'FAIL')) return { ok: false, reason: 'item lacks sid, mobile or report_status' };
    const errmsg = str(item.errmsg) ?? '';
    receipts.push({
      ref: sid, phone, delivered: status === 'SUCCESS', code: `TENCENT:${status === 'SUCCESS' ? 'DELIVRD' : errmsg || 'FAIL'}`,
      description: str(item.description) ?? errmsg, reportedAt: beijing(str(item.user_receive_time) ?? ''),
    });
  }
  return { ok: true, receipts, replies: [] };
}

function aliyun(body: unknown): CallbackBody {
  if (!Array.isArray(body) || body.length === 0 || body.length > CALLBACK_MAX_ITEMS) return { ok: false, reason: 'not an Alibaba report list' };
  const receipts: CloudReceipt[] = [];
  const replies: CloudReply[] = [];
  for (const item of body) {
    if (!isObject(item)) return { ok: false, reason: 'item is not an object' };
    const phone = str(item.phone_number, 20);
    if (!phone || !PHONE.test(phone)) return { ok: false, reason: 'item lacks phone_number' };
    if (item.content !== undefined) {
      const text = str(item.content, 2000);
      const seq = str(item.sequence_id, 64);
      if (text === null || !seq) return { ok: false, reason: 'SmsUp item lacks content or sequence_id' };
      replies.push({ phone, text, receivedAt: beijing(str(item.send_time) ?? ''), ref: `seq:${seq}` });
      continue;
    }
    const outId = str(item.out_id, 128);
    if (!outId || typeof item.success !== 'boolean') return { ok: false, reason: 'SmsReport item lacks out_id or success' };
    const err = str(item.err_code) ?? '';
    receipts.push({
      ref: aliyunRef(outId, phone), phone, delivered: item.success, code: `ALIYUN:${item.success ? 'DELIVERED' : err || 'FAILED'}`,
      description: str(item.err_msg) ?? err, reportedAt: beijing(str(item.report_time) ?? ''),
    });
  }
  return { ok: true, receipts, replies };
}

export function parseCallbackBody(provider: CloudProvider, body: unknown): CallbackBody {
  if (provider === 'tencent') return tencent(body);
  if (provider === 'aliyun') return aliyun(body);
  return { ok: false, reason: 'UCloud receipts are pulled, not pushed' };
}

/** What each provider expects as the answer to a callback it made. */
export function callbackAnswer(provider: CloudProvider): unknown {
  return provider === 'aliyun' ? { code: 0, msg: '成功' } : { result: 0, errmsg: 'OK' };
}
