import { Router } from 'express';
import type { AppDeps } from '../app';
import { optOutsHandlers } from '../handlers/opt-outs.handlers';
import { requireAdmin, requireUser } from '../middleware/auth';

/** Issue 14's opt-out list: members and admins search, add, import and export; only admins remove. */
export function optOutsRoutes(deps: AppDeps): Router {
  const h = optOutsHandlers(deps);
  return Router()
    .use(requireUser)
    .get('/', h.list)
    .post('/', h.add)
    .post('/import', h.importFile)
    .get('/export.csv', h.exportCsv)
    .post('/:phone/remove', requireAdmin, h.remove);
}
