import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { getSettings, saveSettings } from '../services/settings.service';
import { parseSendRulesForm, sendRulesTyped } from '../validators/send-rules-settings.validators';
import { settingsFormValues } from '../validators/settings.validators';
import { flash } from '../middleware/flash';
import { latestBackup } from '../services/backups.service';
import { numberFormatter } from '../i18n/number-format';
import { auditContext } from './audit-context';

/** POST /settings/send-rules: the send rules' own form, so a mistake there never loses the other settings typed. */
export function sendRulesSettingsHandlers({ db, config }: AppDeps) {
  const lastBackup = (res: Response) => {
    const backup = latestBackup(config.dataDir);
    if (!backup) return null;
    const kb = numberFormatter(res.locals.locale as string)(Math.max(1, Math.round(backup.bytes / 1024)));
    return { at: (res.locals.formatDateTime as (iso: string) => string)(backup.takenAt.toISOString()), kb };
  };
  return {
    async update(req: Request, res: Response) {
      const parsed = parseSendRulesForm(req.body);
      if (!parsed.ok) {
        const values = settingsFormValues(await getSettings(db, config));
        return res.status(422).render('pages/settings/edit', {
          title: res.locals.t('settings.title'),
          values,
          serverTimeZone: config.timeZone,
          lastBackup: lastBackup(res),
          sendRules: sendRulesTyped(req.body),
          sendRulesErrors: parsed.errors,
        });
      }
      await saveSettings(db, { sendRules: parsed.value }, { by: auditContext(req, res), config });
      flash(req, 'sendRules.saved');
      res.redirect(303, '/settings#send-rules');
    },
  };
}
