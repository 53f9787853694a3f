import { Router } from 'express';
import type { AppDeps } from '../app';
import { settingsHandlers } from '../handlers/settings.handlers';
import { requireAdmin } from '../middleware/auth';
import { sendRulesSettingsHandlers } from '../handlers/send-rules-settings.handlers';

export function settingsRoutes(deps: AppDeps): Router {
  const h = settingsHandlers(deps);
  const sendRules = sendRulesSettingsHandlers(deps);
  return Router().use(requireAdmin).get('/', h.show).post('/', h.update).post('/send-rules', sendRules.update);
}
