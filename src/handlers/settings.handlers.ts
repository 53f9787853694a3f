import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { getSettings, saveSettings } from '../services/settings.service';
import { parseSettingsForm, settingsFormValues, SETTINGS_FIELDS } from '../validators/settings.validators';
import { field } from '../validators/validation';
import { flash } from '../middleware/flash';


export function settingsHandlers({ db, config }: AppDeps) {
  return {
    async show(_req: Request, res: Response) {
      const values = settingsFormValues(await getSettings(db, config));
      res.render('pages/settings/edit', { title: res.locals.t('settings.title'), values, serverTimeZone: config.timeZone });
    },

    async update(req: Request, res: Response) {
      const parsed = parseSettingsForm(req.body);
      if (!parsed.ok) {
        const values = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, field(req.body, f)]));
        return res.status(422).render('pages/settings/edit', { title: res.locals.t('settings.title'), values, errors: parsed.errors, serverTimeZone: config.timeZone });
      }
      await saveSettings(db, parsed.value);
      flash(req, 'settings.saved');
      res.redirect(303, '/settings');
    },
  };
}
