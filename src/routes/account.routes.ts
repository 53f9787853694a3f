import { Router } from 'express';
import type { AppDeps } from '../app';
import { accountHandlers } from '../handlers/account.handlers';
import { requireUser } from '../middleware/auth';

export function accountRoutes(deps: AppDeps): Router {
  const h = accountHandlers(deps);
  return Router()
    .use(requireUser)
    .get('/password', h.passwordForm)
    .post('/password', h.changePassword);
}
