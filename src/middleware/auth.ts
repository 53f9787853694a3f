import type { Request, Response, NextFunction } from 'express';
import type { Db } from '../db/knex';
import { HttpError } from '../http-error';
import { countUsers, findUserById, type User } from '../queries/users.queries';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The user's session generation when this session logged in (or was last re-stamped). */
    generation?: number;
  }
}

/** Stamps the session with the user's current generation: it stays valid until the next credential change. */
export function stampSession(req: Request, user: Pick<User, 'sessionGeneration'>): void {
  req.session.generation = user.sessionGeneration;
}

/**
 * Reads the user on every request so that disabling a user takes effect on the very next request of any of their
 * sessions, and a session from before a password reset or change, a disable or a role change (an older session
 * generation) ends there too. Sessions made before generations existed count as generation 0, the first.
 */
export function loadUser(db: Db) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const userId = req.session?.userId;
    if (userId === undefined) return next();
    const user = await findUserById(db, userId);
    if (!user || user.disabledAt || (req.session.generation ?? 0) !== user.sessionGeneration) {
      // Regenerate rather than destroy: the rest of this request (CSRF token, flash, language) still needs a session.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      return next();
    }
    req.user = user;
    next();
  };
}

const OPEN_BEFORE_SETUP = ['/setup', '/healthz', '/locale'];

/** Until the first admin exists every page leads to /setup; once one does, that never changes again. */
export function setupGate(db: Db) {
  let hasUsers = false;
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!hasUsers) hasUsers = (await countUsers(db)) > 0;
    res.locals.setupDone = hasUsers;
    if (hasUsers || OPEN_BEFORE_SETUP.includes(req.path)) return next();
    if (req.path.startsWith('/api/')) return next(new HttpError(503, 'errors.setupRequired'));
    res.redirect(303, '/setup');
  };
}

export function requireUser(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  if (req.method === 'GET' || req.method === 'HEAD') {
    return res.redirect(303, '/login?next=' + encodeURIComponent(req.originalUrl));
  }
  next(new HttpError(401, 'errors.loginRequired'));
}

export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (!req.user) return requireUser(req, _res, next);
  if (req.user.role !== 'admin') return next(new HttpError(403, 'errors.forbidden'));
  next();
}

/** requireUser for the JSON endpoints the page scripts poll: a 401 they can read, not a redirect to the login page. */
export function requireUserJson(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  res.status(401).json({ error: { code: 'login_required', message: res.locals.t('errors.loginRequired') } });
}
