import type { RequestHandler } from 'express';

/**
 * `Cache-Control: no-store` on every response the app makes itself: pages, JSON (the API and the progress polls)
 * and downloads (invalid rows, exports, import templates). They hold phone numbers, message text, API keys and CSRF
 * tokens, which must not stay in a shared proxy cache or in the browser's cache on a shared office computer, nor
 * come back with the Back button after logout. The one owner of this rule: mounted after the static files, which
 * keep their own caching, and before everything else, so error pages (a 413 before the session) are covered too.
 */
export function noStore(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
