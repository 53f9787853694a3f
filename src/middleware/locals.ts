import type { Request, Response, NextFunction } from 'express';
import type { AppDeps } from '../app';
import { isLocale, negotiateLocale, translator, type Locale } from '../i18n/i18n';
import { csrfToken } from './csrf';
import { getSettings } from '../services/settings.service';
import { formatDateTime } from '../time/zoned-time';
import { messageParams, numberFormatter } from '../i18n/number-format';
import type { FieldError } from '../validators/validation';
import { realCarrierConfigured } from '../carrier/real-carrier';

export function requestLocale(req: Request): Locale {
  if (isLocale(req.user?.locale)) return req.user.locale;
  if (isLocale(req.session?.locale)) return req.session.locale;
  return negotiateLocale(req.headers['accept-language']);
}

/** What every view may use: the translator, the user, the CSRF token, the flash, the display time zone. */
export function localsMiddleware(deps: AppDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const locale = requestLocale(req);
    const settings = await getSettings(deps.db, deps.config);
    const t = translator(locale);
    res.locals.locale = locale;
    res.locals.t = t;
    res.locals.user = req.user ?? null;
    res.locals.isAdmin = req.user?.role === 'admin';
    res.locals.currentPath = req.path;
    res.locals.settings = settings;
    res.locals.carrierIsSimulator = !(await realCarrierConfigured(deps.db));
    res.locals.csrfToken = () => csrfToken(req);
    res.locals.formatDateTime = (iso: string | null | undefined) => (iso ? formatDateTime(iso, settings.timeZone, locale) : '');
    // Counts on the pages are grouped where they are rendered (num(n)); ids, phones, years and ports never are.
    const num = numberFormatter(locale);
    res.locals.num = num;
    // A field or form message: its counts grouped in this language.
    res.locals.message = (m: FieldError) => t(m.key, messageParams(m, num));
    res.locals.errors = {};
    res.locals.values = {};
    res.locals.flash = req.session?.flash ?? null;
    if (req.session?.flash) delete req.session.flash;
    next();
  };
}
