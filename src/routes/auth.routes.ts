import { Router } from 'express';
import type { AppDeps } from '../app';
import { authHandlers } from '../handlers/auth.handlers';
import { requireUser } from '../middleware/auth';

export function authRoutes(deps: AppDeps): Router {
  const h = authHandlers(deps);
  return Router()
    .get('/', requireUser, (_req, res) => res.redirect(303, '/tasks'))
    .get('/setup', h.showSetup)
    .post('/setup', h.submitSetup)
    .get('/login', h.showLogin)
    .post('/login', h.submitLogin)
    .post('/logout', h.logout)
    .post('/locale', h.setLocale);
}
