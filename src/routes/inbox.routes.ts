import { Router } from 'express';
import type { AppDeps } from '../app';
import { inboxHandlers } from '../handlers/inbox.handlers';
import { requireAdmin } from '../middleware/auth';

export function inboxRoutes(deps: AppDeps): Router {
  const h = inboxHandlers(deps);
  return Router().use(requireAdmin).get('/', h.list);
}
