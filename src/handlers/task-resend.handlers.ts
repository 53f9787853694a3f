import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { resendFailed } from '../services/resend.service';
import { flash } from '../middleware/flash';
import type { Settings } from '../services/settings.service';
import { field } from '../validators/validation';

/**
 * `POST /tasks/:id/resend` (`includeRejected=1` to add the rejected messages, `includeUnknown=1` the unknown ones): makes (or finds) the draft and
 * goes to its check page, where the person confirms as for any task; when there is nothing to resend, back to
 * the page it came from with the reason.
 */
export function taskResendHandlers({ db }: AppDeps) {
  return async (req: Request, res: Response) => {
    const sourceId = String(req.params.id);
    const settings = res.locals.settings as Settings;
    const outcome = await resendFailed(db, sourceId, req.user!, { includeRejected: field(req.body, 'includeRejected') !== '', includeUnknown: field(req.body, 'includeUnknown') !== '' }, settings.timeZone);
    if (!outcome.ok) {
      flash(req, outcome.key, { id: sourceId }, 'error');
      return res.redirect(303, field(req.body, 'back') === 'list' ? '/tasks' : `/tasks/${sourceId}`);
    }
    if (outcome.reused) flash(req, 'tasks.resend.reused', { id: sourceId });
    else if (outcome.skipped > 0) flash(req, 'tasks.resend.createdSkipped', { id: sourceId, count: outcome.recipients, skipped: outcome.skipped });
    else flash(req, 'tasks.resend.created', { id: sourceId, count: outcome.recipients });
    res.redirect(303, `/tasks/${outcome.draftId}/check`);
  };
}
