import { isLocale, translator } from '../i18n/i18n';
import { describeSmppStatus, parseSmppCode } from './smpp-errors';

/** Readable remarks for carrier codes, shown beside the code itself (task details, exports). */
const CODES: Record<string, { en: string; zh: string }> = {
  DELIVRD: { en: 'Delivered', zh: '成功送达' },
  UNDELIV: { en: 'Undeliverable: the handset could not be reached', zh: '无法送达：手机无法接收' },
  EXPIRED: { en: 'Expired: the handset was unreachable until the message expired', zh: '已过期：有效期内手机一直无法接收' },
  REJECTD: { en: 'Rejected by the carrier', zh: '被运营商拒绝' },
  DELETED: { en: 'Deleted by the carrier', zh: '被运营商删除' },
  UNKNOWN: { en: 'Unknown state reported by the carrier', zh: '运营商返回未知状态' },
  BLACK: { en: 'The number is on a blacklist', zh: '号码在黑名单中' },
  KEYWORD: { en: 'Content blocked by a keyword filter', zh: '内容触发关键字拦截' },
  TIMEOUT: { en: 'The carrier did not answer in time (retried)', zh: '运营商响应超时（已重试）' },
  THROTTLED: { en: 'The carrier asked to slow down (retried)', zh: '运营商要求降低发送速率（已重试）' },
  SUBMIT_UNKNOWN: {
    en: 'Sent to the carrier, but its answer never came (connection lost): it may or may not have been taken, and was not sent again',
    zh: '已提交给运营商但未收到应答（连接中断）：可能已被接收，也可能没有，为避免重复未再次发送',
  },
  RETRY_EXHAUSTED: { en: 'Not accepted after the maximum number of attempts', zh: '多次重试后仍未被接收' },
};

/** `MK:xxxx` / `MI:xxxx` are carrier gateway errors; `SMPP:0x…` an SMSC's command_status; other unknown codes are shown as they are. */
export function describeCode(code: string | null | undefined, locale: string): string {
  if (!code) return '';
  const zh = locale === 'zh-CN';
  const known = CODES[code];
  if (known) return zh ? known.zh : known.en;
  const smppStatus = parseSmppCode(code);
  if (smppStatus !== null) return describeSmppStatus(smppStatus, translator(isLocale(locale) ? locale : 'en'));
  if (/^M[KI]:\w+$/.test(code)) return zh ? `运营商网关错误（${code}）` : `Carrier gateway error (${code})`;
  return zh ? `运营商代码 ${code}` : `Carrier code ${code}`;
}

export const RECEIPT_CODES = Object.keys(CODES);
