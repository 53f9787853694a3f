import { isValidTimeZone } from '../config';
import type { Settings } from '../services/settings.service';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

const MB = 1024 * 1024;

function wholeNumber(raw: string, name: string, min: number, max: number, errors: FieldErrors): number {
  const text = raw.trim();
  const n = Number(text);
  if (text === '') errors[name] = { key: 'validation.required' };
  else if (!/^\d+$/.test(text) || n < min || n > max) errors[name] = { key: 'validation.wholeNumberRange', params: { min, max } };
  return n;
}

/** The form shows the file limit in MB; the setting is stored in bytes. */
export function settingsFormValues(s: Settings): Record<string, string> {
  return {
    timeZone: s.timeZone,
    importMaxRows: String(s.importMaxRows),
    importMaxMb: String(Math.round((s.importMaxBytes / MB) * 100) / 100),
    scheduleHorizonDays: String(s.scheduleHorizonDays),
    unsubscribePhrases: s.unsubscribePhrases.join('\n'),
  };
}

export function parseSettingsForm(body: unknown): Parsed<Settings> {
  const errors: FieldErrors = {};
  const timeZone = field(body, 'timeZone').trim();
  if (timeZone === '') errors.timeZone = { key: 'validation.required' };
  else if (!isValidTimeZone(timeZone)) errors.timeZone = { key: 'settings.errors.timeZone' };
  const importMaxRows = wholeNumber(field(body, 'importMaxRows'), 'importMaxRows', 1, 1_000_000, errors);
  const importMaxMb = wholeNumber(field(body, 'importMaxMb'), 'importMaxMb', 1, 100, errors);
  const scheduleHorizonDays = wholeNumber(field(body, 'scheduleHorizonDays'), 'scheduleHorizonDays', 1, 365, errors);
  const unsubscribePhrases = [...new Set(field(body, 'unsubscribePhrases').split(/\r?\n/).map((p) => p.trim()).filter(Boolean))];
  if (unsubscribePhrases.length === 0) errors.unsubscribePhrases = { key: 'settings.errors.phrasesRequired' };
  else if (unsubscribePhrases.some((p) => p.length > 30)) errors.unsubscribePhrases = { key: 'settings.errors.phraseLong', params: { max: 30 } };
  if (hasErrors(errors)) return { ok: false, errors };
  return { ok: true, value: { timeZone, importMaxRows, importMaxBytes: importMaxMb * MB, scheduleHorizonDays, unsubscribePhrases } };
}
