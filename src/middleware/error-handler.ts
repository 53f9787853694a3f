import crypto from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import { ApiError, HttpError } from '../http-error';
import type { Logger } from '../log';
import { translator } from '../i18n/i18n';
import { isBusyError, isDiskFullError, isUnstorableTextError } from '../db/db-errors';
import { repostOf } from './busy-repost';

/** Seconds a client is told to wait after a write met a locked database (about as long as it waited). */
export const BUSY_RETRY_AFTER_SECONDS = 5;

export function notFound(_req: Request, _res: Response, next: NextFunction) {
  next(new HttpError(404, 'errors.notFound'));
}

/** The JSON `code` of an error: an API error's own code, else the message key's last part in snake_case. */
export function jsonErrorCode(err: HttpError): string {
  if (err instanceof ApiError) return err.code;
  const last = err.messageKey.slice(err.messageKey.lastIndexOf('.') + 1);
  return last.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

interface StatusError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  type?: string;
}

/** Known client errors from body parsers, CSRF and uploads, mapped to a status and a message key. */
function classify(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  const e = err as StatusError;
  if (e?.code === 'EBADCSRFTOKEN') return new HttpError(403, 'errors.csrf');
  if (isBusyError(err)) return new HttpError(503, 'errors.dbBusy');
  if (isDiskFullError(err)) return new HttpError(507, 'errors.diskFull');
  if (isUnstorableTextError(err)) return new HttpError(400, 'errors.badRequest');
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
    if (status === 413) return new HttpError(413, 'errors.tooLarge');
    return new HttpError(status, 'errors.badRequest');
  }
  return null;
}

/**
 * The one error exit. Expected errors show their message; anything else is logged with a short reference
 * id, and the page shows only that id, never a stack trace.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let known = classify(err);
    let ref: string | undefined;
    if (!known) {
      ref = crypto.randomBytes(4).toString('hex');
      const e = err as Error;
      // A database error's message names its SQL with `?` for the values (knex.ts, compileSqlOnError).
      logger.error('unhandled error', { ref, method: req.method, path: req.originalUrl, code: (e as StatusError)?.code, error: e?.message, stack: e?.stack });
      known = new HttpError(500, 'errors.internal', { ref });
    }
    if (res.headersSent) return req.socket.destroy();
    // Without the locals (an error before they were set) there is no CSRF token to offer a form again with.
    const canRepost = Boolean(res.locals.t);
    const t = res.locals.t ?? translator('en');
    res.status(known.status);
    if (known.status === 507) logger.error('disk full', { method: req.method, path: req.originalUrl });
    if (known.status === 503) res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
    if (req.path.startsWith('/api/') || req.path === '/healthz') {
      res.json({ error: { code: jsonErrorCode(known), message: t(known.messageKey, known.params), ...(ref ? { ref } : {}) } });
      return;
    }
    if (!res.locals.t) {
      res.locals.t = t;
      res.locals.user = null;
      res.locals.csrfToken = () => '';
      res.locals.currentPath = req.path;
      res.locals.locale = 'en';
      res.locals.isAdmin = false;
      res.locals.flash = null;
    }
    const repost = known.status === 503 && canRepost ? repostOf(req) : undefined;
    res.render('pages/errors/error', { status: known.status, message: t(known.messageKey, known.params), ref, repost, title: t('errors.title') }, (renderErr: Error | null, html?: string) => {
      if (renderErr) {
        logger.error('error page failed to render', { ref, error: renderErr.message });
        res.type('text/plain').send(`${known.status} ${t(known.messageKey, known.params)}`);
        return;
      }
      res.send(html);
    });
  };
}
