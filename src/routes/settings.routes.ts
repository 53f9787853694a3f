import { Router } from 'express';
import type { AppDeps } from '../app';
import { settingsHandlers } from '../handlers/settings.handlers';
import { requireAdmin } from '../middleware/auth';

export function settingsRoutes(deps: AppDeps): Router {
  const h = settingsHandlers(deps);
  return Router().use(requireAdmin).get('/', h.show).post('/', h.update);
}
