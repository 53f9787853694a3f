import type { Knex } from 'knex';
import type { Config } from '../config';
import { readSettingRows, writeSettingRows } from '../queries/settings.queries';
import { DEFAULT_STUB_SETTINGS, type StubCarrierSettings } from '../carrier/stub.carrier';
import { DEFAULT_OPT_OUT_KEYWORDS } from '../opt-outs/reply-keywords';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';
import { changedFields } from '../audit/audit-summary';

export const DEFAULT_UNSUBSCRIBE_PHRASES: readonly string[] = [
  '回T退订', '退订回T', '回TD退订', 'TD退订', '回N退订', '退订回D', '退订回TD', '退订回复T',
  '退订回复D', '退订回复N', '退订回复TD', '拒收回T', 'Reply T to unsubscribe',
];

export interface Settings {
  timeZone: string;
  importMaxRows: number;
  importMaxBytes: number;
  scheduleHorizonDays: number;
  unsubscribePhrases: string[];
  /** Messages per carrier call (the reference API takes 200). */
  dispatchBatchSize: number;
  /** Messages per second sent to the carrier; 0 = no limit. */
  carrierRatePerSecond: number;
  /** Submit attempts per message before it is failed. */
  maxAttempts: number;
  stubCarrier: StubCarrierSettings;
  /** Members' exports of task details show numbers as 138****8000 (admins choose per export). */
  maskNumbersForMembers: boolean;
  /**
   * Admins must sign in with a second factor (TOTP); one without it is sent to enrolment (issue 14). Optional in
   * the type only (always set by the defaults): its own form saves it (POST /settings/two-factor), not this one.
   */
  requireTwoFactorForAdmins?: boolean;
  /** Message rows are removed this many days after their task finished; the task row and its totals stay. */
  retentionDays: number;
  /** Daily copies of the database kept in DATA_DIR/backups/ (the backup job removes older ones). */
  backupsKept: number;
  /** Issue 14, the send rules (edited in their own form on /settings, src/validators/send-rules-settings.validators.ts). */
  sendRules: SendRuleSettings;
  /** Audit records are removed this many days after they were made (the daily retention job; at least 30). */
  auditRetentionDays: number;
}

export interface SendRuleSettings {
  /** A reply that is exactly one of these (trimmed, NFKC, case-folded) puts its number on the opt-out list. */
  optOutKeywords: string[];
  /** Verification and notification messages go to opted-out numbers anyway (only marketing is refused). */
  transactionalExempt: boolean;
  /** Marketing is not sent inside this daily window; an empty zone means the default zone above. */
  quietHours: { enabled: boolean; start: string; end: string; timeZone: string };
  /** Marketing messages per number: at most perDay a local day, and perPeriod over periodDays days; 0 = no cap. */
  frequencyCaps: { perDay: number; perPeriod: number; periodDays: number };
}

/** A stored value missing a part (hand-edited, or saved before a part existed) keeps the default for that part. */
function withSendRuleDefaults(stored: unknown): SendRuleSettings {
  const s = (stored && typeof stored === 'object' ? stored : {}) as Partial<SendRuleSettings>;
  return {
    optOutKeywords: Array.isArray(s.optOutKeywords) ? s.optOutKeywords.filter((k) => typeof k === 'string') : [...DEFAULT_SEND_RULES.optOutKeywords],
    transactionalExempt: typeof s.transactionalExempt === 'boolean' ? s.transactionalExempt : DEFAULT_SEND_RULES.transactionalExempt,
    quietHours: { ...DEFAULT_SEND_RULES.quietHours, ...(s.quietHours && typeof s.quietHours === 'object' ? s.quietHours : {}) },
    frequencyCaps: { ...DEFAULT_SEND_RULES.frequencyCaps, ...(s.frequencyCaps && typeof s.frequencyCaps === 'object' ? s.frequencyCaps : {}) },
  };
}

export const DEFAULT_SEND_RULES: SendRuleSettings = {
  optOutKeywords: [...DEFAULT_OPT_OUT_KEYWORDS],
  transactionalExempt: true,
  quietHours: { enabled: true, start: '21:00', end: '08:00', timeZone: '' },
  frequencyCaps: { perDay: 0, perPeriod: 0, periodDays: 7 },
};

export function defaultSettings(config: Pick<Config, 'timeZone'>): Settings {
  return {
    timeZone: config.timeZone,
    importMaxRows: 100_000,
    importMaxBytes: 10 * 1024 * 1024,
    scheduleHorizonDays: 30,
    unsubscribePhrases: [...DEFAULT_UNSUBSCRIBE_PHRASES],
    dispatchBatchSize: 200,
    carrierRatePerSecond: 0,
    maxAttempts: 5,
    stubCarrier: { ...DEFAULT_STUB_SETTINGS, failureMix: { ...DEFAULT_STUB_SETTINGS.failureMix } },
    maskNumbersForMembers: false,
    requireTwoFactorForAdmins: false,
    retentionDays: 90,
    backupsKept: 7,
    sendRules: structuredClone(DEFAULT_SEND_RULES),
    auditRetentionDays: 365,
  };
}

/** Stored values over the defaults; a key never saved keeps following the default (e.g. the server's zone). */
export async function getSettings(db: Knex, config: Pick<Config, 'timeZone'>): Promise<Settings> {
  const stored = await readSettingRows(db);
  const defaults = defaultSettings(config);
  const merged = { ...defaults } as Record<string, unknown>;
  for (const key of Object.keys(defaults)) {
    const value = stored[key];
    if (value !== undefined && typeof value === typeof (defaults as unknown as Record<string, unknown>)[key]) merged[key] = value;
  }
  merged.sendRules = withSendRuleDefaults(merged.sendRules);
  return merged as unknown as Settings;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Nested settings (the send rules, the stub carrier) as `sendRules.quietHours.start`-style keys, so the audit record
 * of a save names only the parts that changed, not the whole group. Lists (the opt-out keywords) stay whole.
 */
function dotted(values: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (isPlainObject(value)) Object.assign(out, dotted(value, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = value;
  }
  return out;
}

/**
 * Saves the values and records what changed (only the fields whose value differs) in the same transaction.
 * `audit.config` gives the defaults the before values are read against (the server's zone).
 */
export async function saveSettings(
  db: Knex,
  values: Partial<Settings>,
  audit: { by: AuditContext; config: Pick<Config, 'timeZone'> } = { by: SYSTEM_CONTEXT, config: { timeZone: 'UTC' } },
): Promise<void> {
  await db.transaction(async (trx) => {
    const before = (await getSettings(trx, audit.config)) as unknown as Record<string, unknown>;
    await writeSettingRows(trx, values);
    const changed = changedFields(dotted(Object.fromEntries(Object.keys(values).map((k) => [k, before[k]]))), dotted(values));
    if (Object.keys(changed.after ?? {}).length === 0) return;
    await recordAudit(trx, { ...audit.by, action: 'setting.changed', object: { type: 'settings', id: null }, summary: changed });
  });
}
