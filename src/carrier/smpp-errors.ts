/**
 * What an SMPP command_status means for the message that got it. The one place that decides which statuses are
 * worth a retry and how a status is shown (`SMPP:0x…` plus a readable remark in the user's language).
 */
import type { Translate } from '../i18n/i18n';

/**
 * - `throttle`: the SMSC is full or we go too fast. Slow down and resubmit; never a failure of the message.
 * - `temporary`: the SMSC could not take it just now (its own error, a session not bound yet). Resubmit later,
 *   within the dispatcher's bounded retries.
 * - `permanent`: the SMSC refused this message; resubmitting would be refused again.
 */
export type SmppStatusKind = 'ok' | 'throttle' | 'temporary' | 'permanent';

export interface SmppStatus {
  kind: SmppStatusKind;
  status: number;
  /** `SMPP:0x00000058`: the form stored as the message's code, searchable and stable across languages. */
  code: string;
  /** The specification's name, e.g. ESME_RTHROTTLED, or null for a vendor-specific status. */
  name: string | null;
}

/** Statuses with a readable remark in the catalogues (`smpp.status.<name>`); others get the generic one. */
export const SMPP_STATUS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'ESME_ROK',
  0x01: 'ESME_RINVMSGLEN',
  0x02: 'ESME_RINVCMDLEN',
  0x03: 'ESME_RINVCMDID',
  0x04: 'ESME_RINVBNDSTS',
  0x05: 'ESME_RALYBND',
  0x08: 'ESME_RSYSERR',
  0x0a: 'ESME_RINVSRCADR',
  0x0b: 'ESME_RINVDSTADR',
  0x0d: 'ESME_RBINDFAIL',
  0x0e: 'ESME_RINVPASWD',
  0x0f: 'ESME_RINVSYSID',
  0x14: 'ESME_RMSGQFUL',
  0x45: 'ESME_RSUBMITFAIL',
  0x48: 'ESME_RINVSRCTON',
  0x49: 'ESME_RINVSRCNPI',
  0x50: 'ESME_RINVDSTTON',
  0x51: 'ESME_RINVDSTNPI',
  0x58: 'ESME_RTHROTTLED',
  0x64: 'ESME_RX_T_APPN',
  0x65: 'ESME_RX_P_APPN',
  0xfe: 'ESME_RDELIVERYFAILURE',
  0xff: 'ESME_RUNKNOWNERR',
  0x104: 'ESME_RINVDCS',
};

const THROTTLE = new Set([0x14, 0x58]);
/** ESME_RINVBNDSTS, ESME_RSYSERR, ESME_RX_T_APPN (the SMSC's own "temporary application error"). */
const TEMPORARY = new Set([0x04, 0x08, 0x64]);

export function formatSmppCode(status: number): string {
  return `SMPP:0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function classifySmppStatus(status: number): SmppStatus {
  const code = formatSmppCode(status);
  const name = SMPP_STATUS_NAMES[status] ?? null;
  if (status === 0) return { kind: 'ok', status, code, name };
  if (THROTTLE.has(status)) return { kind: 'throttle', status, code, name };
  if (TEMPORARY.has(status)) return { kind: 'temporary', status, code, name };
  return { kind: 'permanent', status, code, name };
}

const SMPP_CODE = /^SMPP:0x([0-9A-F]{1,8})$/i;

/** The status inside a stored `SMPP:0x…` code, or null when the code is not one. */
export function parseSmppCode(code: string): number | null {
  const match = SMPP_CODE.exec(code);
  return match ? Number.parseInt(match[1], 16) : null;
}

/** The remark shown beside the code: the status's own words, or its name and number for a vendor status. */
export function describeSmppStatus(status: number, t: Translate): string {
  const name = SMPP_STATUS_NAMES[status];
  if (name) return t(`smpp.status.${name}`);
  return t('smpp.status.other', { code: formatSmppCode(status) });
}
