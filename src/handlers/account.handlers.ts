import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { flash } from '../middleware/flash';
import { stampSession } from '../middleware/auth';
import { changeOwnPassword } from '../services/users.service';
import { auditContext } from './audit-context';
import { parseChangePasswordForm } from '../validators/users.validators';
import type { FieldErrors } from '../validators/validation';

/** What every signed-in user may do to their own account, whatever their role. */
export function accountHandlers({ db }: AppDeps) {
  function renderPasswordForm(res: Response, status = 200, errors: FieldErrors = {}) {
    // Passwords are never sent back into a re-rendered form.
    res.status(status).render('pages/account/password', { title: res.locals.t('account.passwordTitle'), errors, values: {} });
  }

  return {
    passwordForm: (_req: Request, res: Response) => renderPasswordForm(res),

    async changePassword(req: Request, res: Response) {
      const parsed = parseChangePasswordForm(req.body);
      if (!parsed.ok) return renderPasswordForm(res, 422, parsed.errors);
      const user = req.user!;
      const generation = await changeOwnPassword(db, user, parsed.value.currentPassword, parsed.value.password, auditContext(req, res));
      if (generation === null) return renderPasswordForm(res, 422, { currentPassword: { key: 'account.errors.currentWrong' } });
      // The change ends every session of the user; the one it was made from carries on.
      stampSession(req, { sessionGeneration: generation });
      flash(req, 'account.passwordChanged');
      res.redirect(303, '/account/password');
    },
  };
}
