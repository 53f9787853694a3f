import type { Request } from 'express';
import type { Params } from '../i18n/i18n';

/** A one-shot message shown on the page a POST redirects to (cleared by the locals middleware once read). */
export function flash(req: Request, key: string, params?: Params, type: 'success' | 'error' = 'success'): void {
  req.session.flash = { type, key, params };
}
