import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { getSettings, saveSettings } from '../services/settings.service';
import { parseSendRulesForm, sendRulesTyped } from '../validators/send-rules-settings.validators';
import { settingsFormValues } from '../validators/settings.validators';
import { flash } from '../middleware/flash';
import { auditContext } from './audit-context';
import { renderSettingsPage } from './settings-page';

/** POST /settings/send-rules: the send rules' own form, so a mistake there never loses the other settings typed. */
export function sendRulesSettingsHandlers({ db, config }: AppDeps) {
  return {
    async update(req: Request, res: Response) {
      const parsed = parseSendRulesForm(req.body);
      if (!parsed.ok) {
        const values = settingsFormValues(await getSettings(db, config));
        return renderSettingsPage(res, config, { values, sendRules: sendRulesTyped(req.body), sendRulesErrors: parsed.errors }, 422);
      }
      await saveSettings(db, { sendRules: parsed.value }, { by: auditContext(req, res), config });
      flash(req, 'sendRules.saved');
      res.redirect(303, '/settings#send-rules');
    },
  };
}
