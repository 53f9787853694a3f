import type { Knex } from 'knex';
import type { Config } from '../config';
import { readSettingRows, writeSettingRows } from '../queries/settings.queries';
import { DEFAULT_STUB_SETTINGS, type StubCarrierSettings } from '../carrier/stub.carrier';
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
  /** Message rows are removed this many days after their task finished; the task row and its totals stay. */
  retentionDays: number;
  /** Daily copies of the database kept in DATA_DIR/backups/ (the backup job removes older ones). */
  backupsKept: number;
  /** Audit records are removed this many days after they were made (the daily retention job; at least 30). */
  auditRetentionDays: number;
}

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
    retentionDays: 90,
    backupsKept: 7,
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
  return merged as unknown as Settings;
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
    const changed = changedFields(Object.fromEntries(Object.keys(values).map((k) => [k, before[k]])), values);
    if (Object.keys(changed.after ?? {}).length === 0) return;
    await recordAudit(trx, { ...audit.by, action: 'setting.changed', object: { type: 'settings', id: null }, summary: changed });
  });
}
