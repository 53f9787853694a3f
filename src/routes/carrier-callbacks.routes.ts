import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../app';
import { carrierCallbacksHandlers } from '../handlers/carrier-callbacks.handlers';

/** A provider's push is at most 1,000 items: 256 KB is ample, and a larger body is refused before it is read. */
export const CALLBACK_BODY_LIMIT = '256kb';

/**
 * Mounted before sessions, CSRF and the app's own body parsers (app.ts): the provider has no session or token
 * but the one in the URL, and its body gets its own small limit. A body that does not parse is a 400 in JSON.
 */
export function carrierCallbacksRoutes(deps: AppDeps): Router {
  const h = carrierCallbacksHandlers(deps);
  const badBody = (err: { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (err.status === 413) return res.status(413).json({ error: 'body too large' });
    if (err.status === 400 || err.type === 'entity.parse.failed') return res.status(400).json({ error: 'body is not valid JSON' });
    next(err);
  };
  return Router().post('/carrier-callbacks/:account/:token', express.json({ limit: CALLBACK_BODY_LIMIT, type: () => true, strict: false }), h.receive, badBody);
}
