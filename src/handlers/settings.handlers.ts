import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { getSettings, saveSettings } from '../services/settings.service';
import { parseSettingsForm, settingsFormValues, SETTINGS_FIELDS } from '../validators/settings.validators';
import { field } from '../validators/validation';
import { flash } from '../middleware/flash';
import { latestBackup } from '../services/backups.service';
import { numberFormatter } from '../i18n/number-format';
import { sendRulesFormValues } from '../validators/send-rules-settings.validators';
import { auditContext } from './audit-context';

export function settingsHandlers({ db, config }: AppDeps) {
  /** The newest copy in DATA_DIR/backups/ (issue 9): its time and size in KB, or null before the first one. */
  const lastBackup = (res: Response) => {
    const backup = latestBackup(config.dataDir);
    if (!backup) return null;
    const kb = numberFormatter(res.locals.locale as string)(Math.max(1, Math.round(backup.bytes / 1024)));
    return { at: (res.locals.formatDateTime as (iso: string) => string)(backup.takenAt.toISOString()), kb };
  };

  return {
    async show(_req: Request, res: Response) {
      const settings = await getSettings(db, config);
      const values = settingsFormValues(settings);
      res.render('pages/settings/edit', { title: res.locals.t('settings.title'), values, serverTimeZone: config.timeZone, lastBackup: lastBackup(res), sendRules: sendRulesFormValues(settings.sendRules) });
    },

    async update(req: Request, res: Response) {
      const parsed = parseSettingsForm(req.body);
      if (!parsed.ok) {
        const values = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, field(req.body, f)]));
        const sendRules = sendRulesFormValues((await getSettings(db, config)).sendRules);
        return res.status(422).render('pages/settings/edit', { title: res.locals.t('settings.title'), values, errors: parsed.errors, serverTimeZone: config.timeZone, lastBackup: lastBackup(res), sendRules });
      }
      await saveSettings(db, parsed.value, { by: auditContext(req, res), config });
      flash(req, 'settings.saved');
      res.redirect(303, '/settings');
    },
  };
}
