import type { Response } from 'express';
import type { AppDeps } from '../app';
import { latestBackup } from '../services/backups.service';
import { numberFormatter } from '../i18n/number-format';

/** What the two forms on the settings page hold (as typed or as saved) and any field messages for them. */
export interface SettingsPageForms {
  values: Record<string, unknown>;
  errors?: Record<string, unknown>;
  sendRules: Record<string, unknown>;
  sendRulesErrors?: Record<string, unknown>;
}

/**
 * Renders pages/settings/edit. Two handlers render it (the general settings and the send rules, each with its own
 * form), so the page's other locals are owned here and cannot drift between them.
 */
export function renderSettingsPage(res: Response, config: AppDeps['config'], forms: SettingsPageForms, status = 200): void {
  res.status(status).render('pages/settings/edit', { title: res.locals.t('settings.title'), serverTimeZone: config.timeZone, lastBackup: lastBackup(res, config), ...forms });
}

/** The newest copy in DATA_DIR/backups/ (issue 9): its time and size in KB, or null before the first one. */
function lastBackup(res: Response, config: AppDeps['config']) {
  const backup = latestBackup(config.dataDir);
  if (!backup) return null;
  const kb = numberFormatter(res.locals.locale as string)(Math.max(1, Math.round(backup.bytes / 1024)));
  return { at: (res.locals.formatDateTime as (iso: string) => string)(backup.takenAt.toISOString()), kb };
}
