import type { Request, Response, NextFunction } from 'express';
import { csrfSync } from 'csrf-sync';

const TOKEN_HEADER = 'x-csrf-token';
const ERROR_CONFIG = { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' };

const fromBodyOrHeader = (req: Request): string | undefined =>
  (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ?? (req.headers[TOKEN_HEADER] as string | undefined);

/**
 * Upload routes that read a multipart body and then check its `_csrf` field themselves (`receiveUpload` in
 * upload.ts, right after multer). Only these may let a multipart request without the token header through the
 * global check; any other multipart request needs the header, so a route added later is guarded by default.
 */
export const UPLOAD_ROUTES_CHECKING_AFTER_PARSE: readonly { method: string; path: string }[] = [
  { method: 'POST', path: '/tasks' },
  { method: 'POST', path: '/opt-outs/import' },
];

const isMultipart = (req: Request) => Boolean(req.is('multipart/form-data'));

function checksAfterParse(req: Request): boolean {
  return UPLOAD_ROUTES_CHECKING_AFTER_PARSE.some((r) => r.method === req.method && r.path === req.path);
}

const global = csrfSync({
  // A multipart body is not parsed yet here: its token can only come from the header set by the page's script.
  getTokenFromRequest: (req: Request) => (isMultipart(req) ? (req.headers[TOKEN_HEADER] as string | undefined) : fromBodyOrHeader(req)),
  errorConfig: ERROR_CONFIG,
});

const afterParse = csrfSync({ getTokenFromRequest: fromBodyOrHeader, errorConfig: ERROR_CONFIG });

/**
 * The token check for every state-changing request outside the JSON API (which authenticates with bearer keys,
 * not cookies), whatever its content type. The one exception: a multipart request without the header, to an
 * upload route that checks the token from the parsed body itself.
 */
export function csrfProtection(req: Request, res: Response, next: NextFunction) {
  if (req.path.startsWith('/api/')) return next();
  if (isMultipart(req) && req.headers[TOKEN_HEADER] === undefined && checksAfterParse(req)) return next();
  return global.csrfSynchronisedProtection(req, res, next);
}

export const uploadCsrfProtection = afterParse.csrfSynchronisedProtection;
export const csrfToken = global.generateToken;
