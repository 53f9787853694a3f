import type { Request, Response, NextFunction } from 'express';
import type { Db } from '../db/knex';
import { HttpError } from '../http-error';
import { userHasConfirmedTotp } from '../queries/totp-credentials.queries';

/** What an admin without two-factor sign-in may still reach while it is required: enrolment, and the way out. */
const OPEN_PATHS = ['/logout', '/locale'];
const ENROLMENT = '/account/two-factor';

/**
 * With "require two-factor sign-in for admins" on (/settings), an admin without it is sent to enrolment and can
 * reach nothing else: pages redirect there, form posts are refused. The JSON API is left alone: it signs in with
 * API keys, not sessions. Runs after the locals middleware, which has read the settings for this request.
 */
export function twoFactorGate(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = req.user;
    if (!user || user.role !== 'admin' || res.locals.settings?.requireTwoFactorForAdmins !== true) return next();
    if (req.path.startsWith('/api/') || OPEN_PATHS.includes(req.path) || req.path === ENROLMENT || req.path.startsWith(ENROLMENT + '/')) return next();
    if (await userHasConfirmedTotp(db, user.id)) return next();
    if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, ENROLMENT);
    next(new HttpError(403, 'twoFactor.requiredError'));
  };
}
