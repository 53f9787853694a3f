/**
 * What an SMSC's deliver_sm says: a delivery receipt for one of our parts, or a reply from a handset (MO).
 *
 * Pure and total: it reads the PDU as node-smpp decoded it and never throws, since a garbled receipt must still be
 * stored and answered, never crash the session that received it (a crash makes the SMSC resend it forever).
 */
import iconv from 'iconv-lite';

/** esm_class bits 2-5, the message type: 0 is an ordinary message (MO), anything else a receipt or acknowledgement. */
const ESM_MESSAGE_TYPE = 0x3c;
const ESM_UDHI = 0x40;

/**
 * How receipt ids are turned into the form of the submit_sm_resp message_id, per account: some SMSCs answer the
 * submit in hex and report in decimal, or the other way round. Applied to the id whichever form carried it.
 */
export type IdNormaliser = 'as-is' | 'hex-to-decimal' | 'decimal-to-hex';
export const ID_NORMALISERS: readonly IdNormaliser[] = ['as-is', 'hex-to-decimal', 'decimal-to-hex'];

/** The `stat` words of the text form (SMPP 3.4 appendix B). */
export type ReceiptStat = 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD' | 'DELETED' | 'UNKNOWN' | 'ACCEPTD' | 'ENROUTE' | 'SKIPPED';

/** delivered / failed are final; pending (ACCEPTD, ENROUTE) is not, and the message waits for the next receipt. */
export type ReceiptOutcome = 'delivered' | 'failed' | 'pending';

export interface SmppReceipt {
  kind: 'receipt';
  /** Normalised; compare it with the submit_sm_resp id (hex ids lower-cased on both sides). */
  carrierMessageId: string;
  outcome: ReceiptOutcome;
  /** The stat word, used as the message's code (DELIVRD, UNDELIV …: `receipt-codes.ts` describes them). */
  code: ReceiptStat;
  /** The `err:` field as sent, or null. */
  err: string | null;
  /** What goes into the message's remark: `err:…` when the SMSC gave one. */
  remark: string;
  /** The text form's `done date:` as sent (YYMMDDhhmm[ss], in the SMSC's unstated zone), or null. */
  doneDate: string | null;
  /** Which form carried the id and state: the TLVs, the text, or one each. */
  source: 'tlv' | 'text' | 'mixed';
}

export interface MoConcat {
  reference: number;
  total: number;
  sequence: number;
}

export interface SmppMo {
  kind: 'mo';
  from: string;
  to: string;
  /** This PDU's text; for a part of a concatenated reply, only that part (join them with `joinMoParts`). */
  text: string;
  dataCoding: number;
  concat: MoConcat | null;
}

export type UnparseableReason = 'no_id' | 'bad_id' | 'no_stat' | 'unknown_stat';

export interface SmppUnparseable {
  kind: 'unparseable';
  reason: UnparseableReason;
  /** The receipt as it came, for the log and the inbox, so nothing is lost. */
  text: string;
}

export type DeliverSmMeaning = SmppReceipt | SmppMo | SmppUnparseable;

/**
 * A decoded deliver_sm (node-smpp's PDU sets its fields as plain properties). Read here: esm_class, data_coding,
 * source_addr, destination_addr, short_message, message_payload, receipted_message_id, message_state, sar_*.
 * Typed loosely on purpose: a hand-made or garbled PDU must give a result, not a type error at run time.
 */
export type DeliverSmFields = Readonly<Record<string, unknown>>;

const STAT_OUTCOME: Record<ReceiptStat, ReceiptOutcome> = {
  DELIVRD: 'delivered',
  UNDELIV: 'failed',
  EXPIRED: 'failed',
  REJECTD: 'failed',
  DELETED: 'failed',
  UNKNOWN: 'failed',
  SKIPPED: 'failed',
  ACCEPTD: 'pending',
  ENROUTE: 'pending',
};

/** Long spellings some SMSCs write instead of the 7-letter words. */
const STAT_ALIASES: Record<string, ReceiptStat> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
};

/** The message_state TLV's values (SMPP 3.4 5.2.28; 9 is SMPP 5's SKIPPED). SCHEDULED (0) is not final either. */
const MESSAGE_STATES: Record<number, ReceiptStat> = {
  0: 'ENROUTE',
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
  9: 'SKIPPED',
};

export function normaliseMessageId(id: string, mode: IdNormaliser): string | null {
  const trimmed = id.trim();
  if (!trimmed) return null;
  if (mode === 'as-is') return trimmed;
  if (mode === 'hex-to-decimal') return /^[0-9a-f]+$/i.test(trimmed) ? BigInt(`0x${trimmed}`).toString(10) : null;
  return /^[0-9]+$/.test(trimmed) ? BigInt(trimmed).toString(16) : null;
}

function asNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Text in a given data_coding; node-smpp has already decoded 0, 1, 3 and 8, so a Buffer here is mostly GBK. */
function decodeBytes(bytes: Buffer, dataCoding: number): string {
  switch (dataCoding & 0x0f) {
    case 8:
      return iconv.decode(bytes, 'utf16-be');
    case 15:
      return iconv.decode(bytes, 'gbk');
    default:
      // 0 and 1 as ASCII, 3 as Latin-1; an unknown coding too, since Latin-1 keeps every byte visible.
      return bytes.toString('latin1');
  }
}

interface MessageBody {
  text: string;
  udh: Buffer[];
}

/** The UDH information elements of a raw short_message: [IEI, length, data…] each, as node-smpp lists them. */
function splitUdh(bytes: Buffer): { udh: Buffer[]; rest: Buffer } {
  const headerLength = bytes.length ? bytes[0] : 0;
  if (!headerLength || headerLength + 1 > bytes.length) return { udh: [], rest: bytes };
  const udh: Buffer[] = [];
  let cursor = 1;
  while (cursor + 1 < headerLength + 1) {
    const end = cursor + 2 + bytes[cursor + 1];
    if (end > headerLength + 1) break;
    udh.push(bytes.subarray(cursor, end));
    cursor = end;
  }
  return { udh, rest: bytes.subarray(headerLength + 1) };
}

function messageBody(value: unknown, dataCoding: number, hasUdh: boolean): MessageBody {
  if (Buffer.isBuffer(value)) {
    const { udh, rest } = hasUdh ? splitUdh(value) : { udh: [], rest: value };
    return { text: decodeBytes(rest, dataCoding), udh };
  }
  if (value && typeof value === 'object' && 'message' in value) {
    const { message, udh } = value as { message: unknown; udh?: unknown };
    const udhList = Array.isArray(udh) ? udh.filter((ie): ie is Buffer => Buffer.isBuffer(ie)) : [];
    if (typeof message === 'string') return { text: message, udh: udhList };
    if (Buffer.isBuffer(message)) return { text: decodeBytes(message, dataCoding), udh: udhList };
  }
  return { text: typeof value === 'string' ? value : '', udh: [] };
}

/** The text of a deliver_sm: short_message, or message_payload when the SMSC put it there instead. */
function pduBody(pdu: DeliverSmFields): MessageBody {
  const dataCoding = asNumber(pdu.data_coding);
  const hasUdh = (asNumber(pdu.esm_class) & ESM_UDHI) !== 0;
  const short = messageBody(pdu.short_message, dataCoding, hasUdh);
  if (short.text || pdu.message_payload === undefined) return short;
  const payload = messageBody(pdu.message_payload, dataCoding, false);
  return { text: payload.text, udh: short.udh };
}

function concatFrom(udh: Buffer[], pdu: DeliverSmFields): MoConcat | null {
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return { reference: ie[2], total: ie[3], sequence: ie[4] };
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6) return { reference: ie.readUInt16BE(2), total: ie[4], sequence: ie[5] };
  }
  const total = asNumber(pdu.sar_total_segments);
  if (total > 1) return { reference: asNumber(pdu.sar_msg_ref_num), total, sequence: asNumber(pdu.sar_segment_seqnum) };
  return null;
}

function statFrom(word: string): ReceiptStat | null {
  const upper = word.toUpperCase();
  if (upper in STAT_OUTCOME) return upper as ReceiptStat;
  return STAT_ALIASES[upper] ?? null;
}

/** One field of the text form, case-insensitive, spaces allowed around the colon and inside "submit date". */
function textField(head: string, name: RegExp): string | null {
  const match = new RegExp(`(?:^|\\s)${name.source}\\s*:\\s*(\\S+)`, 'i').exec(head);
  return match ? match[1] : null;
}

function parseReceipt(pdu: DeliverSmFields, normaliser: IdNormaliser): SmppReceipt | SmppUnparseable {
  const text = pduBody(pdu).text;
  // `text:` is last and is the user's own words, which may contain "stat:" or "id:": read the fields before it.
  const textAt = text.search(/(?:^|\s)text\s*:/i);
  const head = textAt >= 0 ? text.slice(0, textAt) : text;
  const unparseable = (reason: UnparseableReason): SmppUnparseable => ({ kind: 'unparseable', reason, text });

  const tlvId = asString(pdu.receipted_message_id).replace(/\0+$/, '');
  const rawId = tlvId || textField(head, /id/) || '';
  if (!rawId.trim()) return unparseable('no_id');
  const carrierMessageId = normaliseMessageId(rawId, normaliser);
  if (carrierMessageId === null) return unparseable('bad_id');

  const tlvState = typeof pdu.message_state === 'number' ? MESSAGE_STATES[pdu.message_state] : undefined;
  const statWord = textField(head, /stat/);
  if (!tlvState && !statWord) return unparseable('no_stat');
  const code = tlvState ?? statFrom(statWord ?? '');
  if (!code) return unparseable('unknown_stat');

  const err = textField(head, /err/);
  const fromTlv = [Boolean(tlvId), Boolean(tlvState)];
  return {
    kind: 'receipt',
    carrierMessageId,
    outcome: STAT_OUTCOME[code],
    code,
    err,
    remark: err ? `err:${err}` : '',
    doneDate: textField(head, /done[\s_]*date/),
    source: fromTlv.every(Boolean) ? 'tlv' : fromTlv.some(Boolean) ? 'mixed' : 'text',
  };
}

/** Reads one deliver_sm. `normaliser` is the account's id setting (receipts only). */
export function readDeliverSm(pdu: DeliverSmFields, normaliser: IdNormaliser = 'as-is'): DeliverSmMeaning {
  if ((asNumber(pdu.esm_class) & ESM_MESSAGE_TYPE) !== 0) return parseReceipt(pdu, normaliser);
  const body = pduBody(pdu);
  return {
    kind: 'mo',
    from: asString(pdu.source_addr),
    to: asString(pdu.destination_addr),
    text: body.text,
    dataCoding: asNumber(pdu.data_coding),
    concat: concatFrom(body.udh, pdu),
  };
}

/** The parts of one concatenated reply share this key (the reference alone repeats across handsets). */
export function moConcatKey(mo: SmppMo): string | null {
  return mo.concat ? `${mo.from}|${mo.to}|${mo.concat.reference}|${mo.concat.total}` : null;
}

export type JoinedMo = { complete: true; text: string } | { complete: false; missing: number[] };

/** Joins the parts received so far of one reply (same `moConcatKey`), in sequence order; a repeated part counts once. */
export function joinMoParts(parts: readonly SmppMo[]): JoinedMo {
  const total = parts[0]?.concat?.total ?? parts.length;
  const bySequence = new Map<number, string>();
  for (const part of parts) bySequence.set(part.concat?.sequence ?? 1, part.text);
  const missing: number[] = [];
  for (let seq = 1; seq <= total; seq += 1) if (!bySequence.has(seq)) missing.push(seq);
  if (missing.length || total === 0) return { complete: false, missing };
  let text = '';
  for (let seq = 1; seq <= total; seq += 1) text += bySequence.get(seq);
  return { complete: true, text };
}
