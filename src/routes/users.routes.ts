import { Router } from 'express';
import type { AppDeps } from '../app';
import { usersHandlers } from '../handlers/users.handlers';
import { requireAdmin } from '../middleware/auth';

export function usersRoutes(deps: AppDeps): Router {
  const h = usersHandlers(deps);
  return Router()
    .use(requireAdmin)
    .get('/', h.list)
    .get('/new', h.newForm)
    .post('/', h.create)
    .get('/:id', h.show)
    .post('/:id/password', h.resetPassword)
    .post('/:id/role', h.setRole)
    .post('/:id/disable', h.disable)
    .post('/:id/enable', h.enable);
}
