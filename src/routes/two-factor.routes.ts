import { Router } from 'express';
import type { AppDeps } from '../app';
import { twoFactorLoginHandlers } from '../handlers/two-factor-login.handlers';
import { twoFactorHandlers } from '../handlers/two-factor.handlers';
import { requireAdmin, requireUser } from '../middleware/auth';

/** Two-factor sign-in (issue 14): the code step of signing in, each user's enrolment, an admin's reset, the requirement. */
export function twoFactorRoutes(deps: AppDeps): Router {
  const login = twoFactorLoginHandlers(deps);
  const h = twoFactorHandlers(deps);
  return Router()
    .get('/login/code', login.show)
    .post('/login/code', login.submit)
    .get('/account/two-factor', requireUser, h.show)
    .post('/account/two-factor/start', requireUser, h.start)
    .post('/account/two-factor/confirm', requireUser, h.confirm)
    .get('/account/two-factor/recovery-codes', requireUser, h.recoveryCodes)
    .post('/account/two-factor/recovery-codes', requireUser, h.renewRecoveryCodes)
    .post('/users/:id/two-factor/reset', requireAdmin, h.reset)
    .post('/settings/two-factor', requireAdmin, h.saveRequirement);
}
