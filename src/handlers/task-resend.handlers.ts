import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { resendFailed } from '../services/resend.service';
import { flash } from '../middleware/flash';
import type { Settings } from '../services/settings.service';
import { field } from '../validators/validation';
import { numberFormatter } from '../i18n/number-format';
import { auditContext } from './audit-context';

/**
 * `POST /tasks/:id/resend` (`includeRejected=1` to add the rejected messages, `includeUnknown=1` the unknown ones): makes (or finds) the draft and
 * goes to its check page, where the person confirms as for any task; when there is nothing to resend, back to
 * the page it came from with the reason.
 */
export function taskResendHandlers({ db }: AppDeps) {
  /** `rest`: `POST /tasks/:id/send-rest`, the cancelled recipients of a stopped task, by the same workflow. */
  return (what: 'failed' | 'rest') => async (req: Request, res: Response) => {
    const sourceId = String(req.params.id);
    const settings = res.locals.settings as Settings;
    const rest = what === 'rest';
    const keys = rest
      ? { reused: 'tasks.sendRest.reused', createdSkipped: 'tasks.sendRest.createdSkipped', created: 'tasks.sendRest.created', createdOne: 'tasks.sendRest.createdOne' }
      : { reused: 'tasks.resend.reused', createdSkipped: 'tasks.resend.createdSkipped', created: 'tasks.resend.created', createdOne: 'tasks.resend.createdOne' };
    const options = { includeRejected: !rest && field(req.body, 'includeRejected') !== '', includeUnknown: !rest && field(req.body, 'includeUnknown') !== '', rest };
    const outcome = await resendFailed(db, sourceId, req.user!, options, settings.timeZone, auditContext(req, res));
    if (!outcome.ok) {
      flash(req, outcome.key, { id: sourceId }, 'error');
      return res.redirect(303, field(req.body, 'back') === 'list' ? '/tasks' : `/tasks/${sourceId}`);
    }
    const num = numberFormatter(res.locals.locale as string);
    if (outcome.reused) flash(req, keys.reused, { id: sourceId });
    else if (outcome.skipped > 0) flash(req, keys.createdSkipped, { id: sourceId, count: num(outcome.recipients), skipped: num(outcome.skipped) });
    else flash(req, outcome.recipients === 1 ? keys.createdOne : keys.created, { id: sourceId, count: num(outcome.recipients) });
    res.redirect(303, `/tasks/${outcome.draftId}/check`);
  };
}
