import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { getSettings, saveSettings } from '../services/settings.service';
import { parseSettingsForm, settingsFormValues, SETTINGS_FIELDS } from '../validators/settings.validators';
import { field } from '../validators/validation';
import { flash } from '../middleware/flash';
import { sendRulesFormValues } from '../validators/send-rules-settings.validators';
import { auditContext } from './audit-context';
import { renderSettingsPage } from './settings-page';

export function settingsHandlers({ db, config }: AppDeps) {
  return {
    async show(_req: Request, res: Response) {
      const settings = await getSettings(db, config);
      renderSettingsPage(res, config, { values: settingsFormValues(settings), sendRules: sendRulesFormValues(settings.sendRules) });
    },

    async update(req: Request, res: Response) {
      const parsed = parseSettingsForm(req.body);
      if (!parsed.ok) {
        const values = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, field(req.body, f)]));
        const sendRules = sendRulesFormValues((await getSettings(db, config)).sendRules);
        return renderSettingsPage(res, config, { values, errors: parsed.errors, sendRules }, 422);
      }
      await saveSettings(db, parsed.value, { by: auditContext(req, res), config });
      flash(req, 'settings.saved');
      res.redirect(303, '/settings');
    },
  };
}
