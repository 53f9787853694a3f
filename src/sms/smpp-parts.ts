/**
 * How one message text becomes the submit_sm PDUs of an SMPP carrier: which parts, which data_coding, which bytes.
 *
 * Where the text is cut is Qunfa's length rule (`segments.ts`), not the SMSC's: the preview, the estimate and the
 * bill already told the user how many parts the message has, and the SMSC must receive that many. Pure: no
 * socket, no library; the connector passes the fields to node-smpp as they are.
 */
import { MULTIPART_SEGMENT_SIZE, SINGLE_MESSAGE_LIMIT, countChars, segmentsFor } from './segments';

/** SMPP data_coding: 0 is the SMSC's default alphabet, 8 is UCS-2 (big-endian UTF-16 code units). */
export type DataCoding = 0 | 8;

/** How a long message is carried: several submit_sm with a concatenation header, or one with the whole payload. */
export type ConcatMode = 'udh' | 'payload';

/** esm_class bit telling the SMSC that short_message starts with a user data header. */
export const ESM_CLASS_UDHI = 0x40;

/** The fields of one submit_sm that depend on the text; the connector adds the addresses and flags. */
export interface SmppSubmitPart {
  data_coding: DataCoding;
  esm_class: number;
  short_message: Buffer;
  message_payload?: Buffer;
}

/**
 * Characters that are the same byte in ASCII and in the GSM 03.38 default alphabet. data_coding 0 means "the SMSC's
 * default alphabet", which some SMSCs read as GSM and others (many Chinese gateways) as ASCII: text made only of
 * these reads the same either way. Anything else ($, @, _, brackets, accents, CJK, emoji) goes as UCS-2, which costs
 * no extra part under Qunfa's rule (70/67 characters whatever the alphabet).
 */
const SAME_IN_GSM_AND_ASCII = /^[\n\r !"#%&'()*+,\-./0-9:;<=>?A-Za-z]*$/;

export function chooseDataCoding(text: string): DataCoding {
  return SAME_IN_GSM_AND_ASCII.test(text) ? 0 : 8;
}

export function encodeText(text: string, dataCoding: DataCoding): Buffer {
  if (dataCoding === 0) return Buffer.from(text, 'latin1');
  // Node's utf16le writes every UTF-16 code unit as it is (surrogates included); swapping gives big-endian.
  return Buffer.from(text, 'utf16le').swap16();
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Cuts the text by the length rule: whole up to 70 characters, else 67 per part. An emoji (a surrogate pair) is
 * never cut in two, since half of one shows as garbage on the handset; when the 67th character of a part is the
 * first half of an emoji, the part ends one character early. A part cannot grow to 68 instead: 6 header bytes plus
 * 68 UCS-2 characters would overflow the 140 bytes of a short message. So in that rare case the text has one part
 * more than `segmentsFor` counted (see `partsExceedBilling`).
 */
export function splitText(text: string): string[] {
  if (countChars(text) <= SINGLE_MESSAGE_LIMIT) return text ? [text] : [];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + MULTIPART_SEGMENT_SIZE, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/** Whether keeping an emoji whole made more parts than the preview and the bill counted. */
export function partsExceedBilling(text: string): boolean {
  return splitText(text).length > segmentsFor(countChars(text));
}

/** The 6-byte concatenation header: IEI 00 (8-bit reference), length 3, reference, total, sequence from 1. */
export function concatenationUdh(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference, total, sequence]);
}

/**
 * The submit_sm fields for a whole message. `reference` (0..255) must differ between long messages to the same
 * number that may be in flight together, or the handset mixes their parts: the caller derives it from its own
 * message id.
 */
export function buildSubmitParts(text: string, mode: ConcatMode, reference: number): SmppSubmitPart[] {
  if (!text) throw new RangeError('buildSubmitParts needs a non-empty text');
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xff) {
    throw new RangeError(`the concatenation reference is 8-bit, got ${reference}`);
  }
  const dataCoding = chooseDataCoding(text);
  const texts = splitText(text);
  if (texts.length === 1) {
    return [{ data_coding: dataCoding, esm_class: 0, short_message: encodeText(text, dataCoding) }];
  }
  if (mode === 'payload') {
    return [{ data_coding: dataCoding, esm_class: 0, short_message: Buffer.alloc(0), message_payload: encodeText(text, dataCoding) }];
  }
  if (texts.length > 0xff) throw new RangeError(`a concatenated message has at most 255 parts, got ${texts.length}`);
  return texts.map((part, i) => ({
    data_coding: dataCoding,
    esm_class: ESM_CLASS_UDHI,
    short_message: Buffer.concat([concatenationUdh(reference, texts.length, i + 1), encodeText(part, dataCoding)]),
  }));
}
