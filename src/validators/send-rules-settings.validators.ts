import { isValidTimeZone } from '../config';
import type { SendRuleSettings } from '../services/settings.service';
import { minuteOfDay } from '../time/quiet-hours';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

/** The send rules' own form on /settings (issue 14): opt-out keywords, the exemption, quiet hours and caps. */

export const SEND_RULES_FIELDS = [
  'optOutKeywords', 'transactionalExempt', 'quietEnabled', 'quietStart', 'quietEnd', 'quietTimeZone', 'capPerDay', 'capPerPeriod', 'capPeriodDays',
] as const;

export function sendRulesFormValues(s: SendRuleSettings): Record<string, string> {
  return {
    optOutKeywords: s.optOutKeywords.join('\n'),
    transactionalExempt: s.transactionalExempt ? '1' : '',
    quietEnabled: s.quietHours.enabled ? '1' : '',
    quietStart: s.quietHours.start,
    quietEnd: s.quietHours.end,
    quietTimeZone: s.quietHours.timeZone,
    capPerDay: String(s.frequencyCaps.perDay),
    capPerPeriod: String(s.frequencyCaps.perPeriod),
    capPeriodDays: String(s.frequencyCaps.periodDays),
  };
}

/** What was typed, to put back after a 422. */
export function sendRulesTyped(body: unknown): Record<string, string> {
  return Object.fromEntries(SEND_RULES_FIELDS.map((f) => [f, field(body, f)]));
}

function count(raw: string, name: string, min: number, max: number, errors: FieldErrors): number {
  const text = raw.trim();
  if (text === '') errors[name] = { key: 'validation.required' };
  else if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) errors[name] = { key: 'validation.wholeNumberRange', params: { min, max } };
  return Number(text);
}

export const MAX_KEYWORDS = 50;
export const MAX_KEYWORD_LENGTH = 20;

export function parseSendRulesForm(body: unknown): Parsed<SendRuleSettings> {
  const errors: FieldErrors = {};
  const optOutKeywords = [...new Set(field(body, 'optOutKeywords').split(/\r?\n/).map((k) => k.trim()).filter(Boolean))];
  if (optOutKeywords.length === 0) errors.optOutKeywords = { key: 'sendRules.errors.keywordsRequired' };
  else if (optOutKeywords.length > MAX_KEYWORDS) errors.optOutKeywords = { key: 'sendRules.errors.keywordsMany', params: { max: MAX_KEYWORDS } };
  else if (optOutKeywords.some((k) => k.length > MAX_KEYWORD_LENGTH)) errors.optOutKeywords = { key: 'sendRules.errors.keywordLong', params: { max: MAX_KEYWORD_LENGTH } };
  // Checkboxes: present (any value) when ticked.
  const transactionalExempt = field(body, 'transactionalExempt') !== '';
  const quietEnabled = field(body, 'quietEnabled') !== '';
  const quietStart = field(body, 'quietStart').trim();
  const quietEnd = field(body, 'quietEnd').trim();
  const start = minuteOfDay(quietStart);
  const end = minuteOfDay(quietEnd);
  // Checked even while switched off: what is stored must be a window that can be switched back on as it is.
  if (quietStart === '') errors.quietStart = { key: 'validation.required' };
  else if (start === null) errors.quietStart = { key: 'sendRules.errors.time' };
  if (quietEnd === '') errors.quietEnd = { key: 'validation.required' };
  else if (end === null) errors.quietEnd = { key: 'sendRules.errors.time' };
  else if (start !== null && start === end) errors.quietEnd = { key: 'sendRules.errors.zeroWindow' };
  const quietTimeZone = field(body, 'quietTimeZone').trim();
  if (quietTimeZone !== '' && !isValidTimeZone(quietTimeZone)) errors.quietTimeZone = { key: 'settings.errors.timeZone' };
  const perDay = count(field(body, 'capPerDay'), 'capPerDay', 0, 1000, errors);
  const perPeriod = count(field(body, 'capPerPeriod'), 'capPerPeriod', 0, 10_000, errors);
  const periodDays = count(field(body, 'capPeriodDays'), 'capPeriodDays', 2, 90, errors);
  if (!errors.capPerDay && !errors.capPerPeriod && perDay > 0 && perPeriod > 0 && perPeriod < perDay) errors.capPerPeriod = { key: 'sendRules.errors.capOrder' };
  if (hasErrors(errors)) return { ok: false, errors };
  return {
    ok: true,
    value: {
      optOutKeywords,
      transactionalExempt,
      quietHours: { enabled: quietEnabled, start: quietStart, end: quietEnd, timeZone: quietTimeZone },
      frequencyCaps: { perDay, perPeriod, periodDays },
    },
  };
}
