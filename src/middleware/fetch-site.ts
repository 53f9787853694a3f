import type { Request, Response, NextFunction } from 'express';
import { HttpError } from '../http-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const REFUSED_SITES = new Set(['cross-site', 'same-site']);

/**
 * A second guard beside the CSRF token: browsers say in `Sec-Fetch-Site` where a request comes from, and no page
 * of ours posts from another site (a sibling subdomain counts as `same-site`, which is why that is refused too).
 * `same-origin`, `none` (typed or bookmarked) and an absent header (older browsers, scripts) pass on to the token
 * check. The JSON API is exempt: it authenticates with bearer keys, which a browser never sends on its own.
 */
export function refuseCrossSiteWrites(req: Request, _res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method) || req.path.startsWith('/api/')) return next();
  const site = req.get('sec-fetch-site');
  if (site !== undefined && REFUSED_SITES.has(site.trim().toLowerCase())) return next(new HttpError(403, 'errors.crossSite'));
  next();
}
