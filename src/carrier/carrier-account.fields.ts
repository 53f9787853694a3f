import type { CloudSettings } from './cloud/cloud-account.fields';

/**
 * What a carrier account is made of, and the one set of rules for each field: the /carriers form and CARRIERS_FILE
 * both check accounts here (the form sends strings, the file JSON values), and only differ in how a problem is told.
 * Limits are SMPP 3.4's own (system_id 16 octets with its NUL, password 9, system_type 13, address 21), so a value
 * the SMSC would refuse at bind is refused here first.
 */
export const CARRIER_KINDS = ['stub', 'smpp', 'tencent', 'aliyun', 'ucloud'] as const;
export type CarrierKind = (typeof CARRIER_KINDS)[number];

export const BIND_MODES = ['transceiver', 'transmitter_receiver'] as const;
export const LONG_MESSAGE_MODES = ['udh', 'message_payload'] as const;
export const RECEIPT_ID_FORMATS = ['as_is', 'hex_to_decimal', 'decimal_to_hex'] as const;

export interface SmppSettings {
  host: string;
  port: number;
  tls: boolean;
  system_id: string;
  system_type: string;
  bind_mode: (typeof BIND_MODES)[number];
  source_addr: string;
  source_ton: number;
  source_npi: number;
  dest_ton: number;
  dest_npi: number;
  window: number;
  tps: number;
  enquire_link_seconds: number;
  long_message_mode: (typeof LONG_MESSAGE_MODES)[number];
  receipt_id_format: (typeof RECEIPT_ID_FORMATS)[number];
  resubmit_unanswered: boolean;
}

export type CarrierSettings = SmppSettings | CloudSettings | Record<string, never>;

export const ACCOUNT_NAME_MAX = 64;
export const SMPP_PASSWORD_MAX = 8;

type Rule =
  | { type: 'text'; max: number; required?: boolean; pattern?: RegExp }
  | { type: 'int'; min: number; max: number; fallback: number }
  | { type: 'bool'; fallback: boolean }
  | { type: 'choice'; options: readonly string[]; fallback: string };

/** The order here is the order of the form and of the README's table. */
export const SMPP_RULES: Readonly<Record<keyof SmppSettings, Rule>> = {
  host: { type: 'text', max: 253, required: true, pattern: /^[A-Za-z0-9.:_-]+$/ },
  port: { type: 'int', min: 1, max: 65535, fallback: 2775 },
  tls: { type: 'bool', fallback: false },
  system_id: { type: 'text', max: 15, required: true },
  system_type: { type: 'text', max: 12 },
  bind_mode: { type: 'choice', options: BIND_MODES, fallback: 'transceiver' },
  source_addr: { type: 'text', max: 20 },
  source_ton: { type: 'int', min: 0, max: 6, fallback: 0 },
  source_npi: { type: 'int', min: 0, max: 18, fallback: 0 },
  dest_ton: { type: 'int', min: 0, max: 6, fallback: 1 },
  dest_npi: { type: 'int', min: 0, max: 18, fallback: 1 },
  window: { type: 'int', min: 1, max: 1000, fallback: 10 },
  tps: { type: 'int', min: 1, max: 100000, fallback: 100 },
  enquire_link_seconds: { type: 'int', min: 5, max: 3600, fallback: 30 },
  long_message_mode: { type: 'choice', options: LONG_MESSAGE_MODES, fallback: 'udh' },
  receipt_id_format: { type: 'choice', options: RECEIPT_ID_FORMATS, fallback: 'as_is' },
  resubmit_unanswered: { type: 'bool', fallback: false },
};

export const SMPP_FIELDS = Object.keys(SMPP_RULES) as (keyof SmppSettings)[];

/** A problem with one field, told by the caller: a translated form message or an English line for the file. */
export type FieldProblem =
  | { rule: 'required' }
  | { rule: 'tooLong'; max: number }
  | { rule: 'badCharacters' }
  | { rule: 'wholeNumber'; min: number; max: number }
  | { rule: 'trueOrFalse' }
  | { rule: 'oneOf'; options: string }
  | { rule: 'text' };

export type Problems = Record<string, FieldProblem>;

/**
 * Where the values come from. A form sends every field as a string and a checkbox only when ticked; a JSON file
 * sends numbers and booleans as such. In both, a field left out takes its default.
 */
export type Source = 'form' | 'json';

function readField(rule: Rule, raw: unknown, source: Source): { value: unknown } | { problem: FieldProblem } {
  const absent = raw === undefined || raw === null || (source === 'form' && raw === '');
  switch (rule.type) {
    case 'text': {
      if (raw !== undefined && raw !== null && typeof raw !== 'string') return { problem: { rule: 'text' } };
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (text === '') return rule.required ? { problem: { rule: 'required' } } : { value: '' };
      if (text.length > rule.max) return { problem: { rule: 'tooLong', max: rule.max } };
      if (rule.pattern && !rule.pattern.test(text)) return { problem: { rule: 'badCharacters' } };
      return { value: text };
    }
    case 'int': {
      if (absent) return { value: rule.fallback };
      const n = source === 'form' && typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < rule.min || n > rule.max) return { problem: { rule: 'wholeNumber', min: rule.min, max: rule.max } };
      return { value: n };
    }
    case 'bool': {
      if (source === 'form') return { value: typeof raw === 'string' && raw !== '' };
      if (absent) return { value: rule.fallback };
      return typeof raw === 'boolean' ? { value: raw } : { problem: { rule: 'trueOrFalse' } };
    }
    case 'choice': {
      if (absent) return { value: rule.fallback };
      return typeof raw === 'string' && rule.options.includes(raw) ? { value: raw } : { problem: { rule: 'oneOf', options: rule.options.join(', ') } };
    }
  }
}

export function checkSmppSettings(input: Record<string, unknown>, source: Source): { settings: SmppSettings; problems: Problems } {
  const settings: Record<string, unknown> = {};
  const problems: Problems = {};
  for (const name of SMPP_FIELDS) {
    const read = readField(SMPP_RULES[name], input[name], source);
    if ('problem' in read) problems[name] = read.problem;
    else settings[name] = read.value;
  }
  return { settings: settings as unknown as SmppSettings, problems };
}

/** The name: required, trimmed, at most ACCOUNT_NAME_MAX characters, no control characters. */
export function checkAccountName(raw: unknown): { value: string } | { problem: FieldProblem } {
  if (raw !== undefined && typeof raw !== 'string') return { problem: { rule: 'text' } };
  const name = (raw ?? '').trim();
  if (name === '') return { problem: { rule: 'required' } };
  if (name.length > ACCOUNT_NAME_MAX) return { problem: { rule: 'tooLong', max: ACCOUNT_NAME_MAX } };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return { problem: { rule: 'badCharacters' } };
  return { value: name };
}

export function isCarrierKind(value: unknown): value is CarrierKind {
  return typeof value === 'string' && (CARRIER_KINDS as readonly string[]).includes(value);
}

/** A password given (undefined = keep the stored one): SMPP 3.4 allows at most 8 characters. */
export function checkSmppPassword(raw: unknown): { value: string } | { problem: FieldProblem } {
  if (typeof raw !== 'string') return { problem: { rule: 'text' } };
  if (raw === '') return { problem: { rule: 'required' } };
  if (raw.length > SMPP_PASSWORD_MAX) return { problem: { rule: 'tooLong', max: SMPP_PASSWORD_MAX } };
  return { value: raw };
}
