import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { numberFormatter } from '../i18n/number-format';
import { templateFitFor } from '../services/template-fit.service';
import { TEMPLATE_CONTENT_MAX } from '../sms/template';

/**
 * The template editor's live count, rendered by the server (as the send form's preview is) so the length rule
 * keeps one implementation. The content comes in the query; anything longer than a template may be is cut, not
 * refused, since the editor's own counter already says it is too long.
 */
export function templateFitHandler({ db }: AppDeps) {
  return async (req: Request, res: Response) => {
    const raw = typeof req.query.content === 'string' ? req.query.content : '';
    const content = raw.trim().slice(0, TEMPLATE_CONTENT_MAX + 100);
    const fit = await templateFitFor(db, content);
    res.render('partials/templates/fit', { fit, num: numberFormatter(res.locals.locale as string), layout: false });
  };
}
