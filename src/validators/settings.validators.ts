import { isValidTimeZone } from '../config';
import type { Settings } from '../services/settings.service';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

const MB = 1024 * 1024;

function wholeNumber(raw: string, name: string, min: number, max: number, errors: FieldErrors): number {
  const text = raw.trim();
  const n = Number(text);
  if (text === '') errors[name] = { key: 'validation.required' };
  else if (!/^\d+$/.test(text) || n < min || n > max) errors[name] = { key: 'validation.wholeNumberRange', counts: { min, max } };
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
    dispatchBatchSize: String(s.dispatchBatchSize),
    carrierRatePerSecond: String(s.carrierRatePerSecond),
    maxAttempts: String(s.maxAttempts),
    stubDelayMinMs: String(s.stubCarrier.delayMinMs),
    stubDelayMaxMs: String(s.stubCarrier.delayMaxMs),
    stubFailureMix: Object.entries(s.stubCarrier.failureMix).map(([code, share]) => `${code}=${share}`).join(', '),
    stubThroughput: String(s.stubCarrier.throughputPerSecond),
    stubErrorRate: String(s.stubCarrier.errorRate),
    stubTimeoutRate: String(s.stubCarrier.timeoutRate),
    maskNumbersForMembers: s.maskNumbersForMembers ? '1' : '',
    retentionDays: String(s.retentionDays),
    backupsKept: String(s.backupsKept),
    auditRetentionDays: String(s.auditRetentionDays),
  };
}

export const SETTINGS_FIELDS = [
  'timeZone', 'importMaxRows', 'importMaxMb', 'scheduleHorizonDays', 'unsubscribePhrases', 'dispatchBatchSize', 'carrierRatePerSecond',
  'maxAttempts', 'stubDelayMinMs', 'stubDelayMaxMs', 'stubFailureMix', 'stubThroughput', 'stubErrorRate', 'stubTimeoutRate',
  'maskNumbersForMembers', 'retentionDays', 'backupsKept',
  'auditRetentionDays',
] as const;

function share(raw: string, name: string, errors: FieldErrors): number {
  const text = raw.trim();
  const n = Number(text);
  if (text === '' || !/^\d*\.?\d+$/.test(text) || n > 1) errors[name] = { key: 'settings.errors.share' };
  return n;
}

/** `UNDELIV=0.02, EXPIRED=0.01`: receipt codes and the share of messages that fail with each. */
function failureMix(raw: string, errors: FieldErrors): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of raw.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Z]+(?::\w+)?)\s*=\s*(\d*\.?\d+)$/.exec(part);
    if (!m || Number(m[2]) > 1) {
      errors.stubFailureMix = { key: 'settings.errors.failureMix' };
      return mix;
    }
    mix[m[1]] = Number(m[2]);
  }
  if (Object.values(mix).reduce((a, b) => a + b, 0) > 1) errors.stubFailureMix = { key: 'settings.errors.failureMixTotal' };
  return mix;
}

export function parseSettingsForm(body: unknown): Parsed<Omit<Settings, 'sendRules'>> {
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
  const dispatchBatchSize = wholeNumber(field(body, 'dispatchBatchSize'), 'dispatchBatchSize', 1, 1000, errors);
  const carrierRatePerSecond = wholeNumber(field(body, 'carrierRatePerSecond'), 'carrierRatePerSecond', 0, 1_000_000, errors);
  const maxAttempts = wholeNumber(field(body, 'maxAttempts'), 'maxAttempts', 1, 20, errors);
  const delayMinMs = wholeNumber(field(body, 'stubDelayMinMs'), 'stubDelayMinMs', 0, 3_600_000, errors);
  const delayMaxMs = wholeNumber(field(body, 'stubDelayMaxMs'), 'stubDelayMaxMs', 0, 3_600_000, errors);
  if (!errors.stubDelayMinMs && !errors.stubDelayMaxMs && delayMaxMs < delayMinMs) errors.stubDelayMaxMs = { key: 'settings.errors.delayRange' };
  const stubCarrier = {
    delayMinMs,
    delayMaxMs,
    failureMix: failureMix(field(body, 'stubFailureMix'), errors),
    throughputPerSecond: wholeNumber(field(body, 'stubThroughput'), 'stubThroughput', 0, 1_000_000, errors),
    errorRate: share(field(body, 'stubErrorRate'), 'stubErrorRate', errors),
    timeoutRate: share(field(body, 'stubTimeoutRate'), 'stubTimeoutRate', errors),
  };
  // A checkbox: present (any value) when ticked, absent when not.
  const maskNumbersForMembers = field(body, 'maskNumbersForMembers') !== '';
  const retentionDays = wholeNumber(field(body, 'retentionDays'), 'retentionDays', 1, 3650, errors);
  const backupsKept = wholeNumber(field(body, 'backupsKept'), 'backupsKept', 1, 365, errors);
  // The database itself refuses to remove audit records less than 30 days old (migration 140).
  const auditRetentionDays = wholeNumber(field(body, 'auditRetentionDays'), 'auditRetentionDays', 30, 3650, errors);
  if (hasErrors(errors)) return { ok: false, errors };
  return {
    ok: true,
    value: { timeZone, importMaxRows, importMaxBytes: importMaxMb * MB, scheduleHorizonDays, unsubscribePhrases, dispatchBatchSize, carrierRatePerSecond, maxAttempts, stubCarrier, maskNumbersForMembers, retentionDays, backupsKept, auditRetentionDays },
  };
}
