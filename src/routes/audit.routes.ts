import { Router } from 'express';
import type { AppDeps } from '../app';
import { auditHandlers } from '../handlers/audit.handlers';
import { requireAdmin } from '../middleware/auth';

/** The audit log is read-only in the app: there is no route that writes to it (each change records itself). */
export function auditRoutes(deps: AppDeps): Router {
  const h = auditHandlers(deps);
  return Router().use(requireAdmin).get('/', h.list).get('/export.csv', h.exportCsv);
}
