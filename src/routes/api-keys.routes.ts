import { Router } from 'express';
import type { AppDeps } from '../app';
import { apiKeysHandlers } from '../handlers/api-keys.handlers';
import { requireAdmin } from '../middleware/auth';

export function apiKeysRoutes(deps: AppDeps): Router {
  const h = apiKeysHandlers(deps);
  return Router()
    .use(requireAdmin)
    .get('/', h.list)
    .post('/', h.create)
    .get('/created', h.created)
    .post('/:id/revoke', h.revoke);
}
