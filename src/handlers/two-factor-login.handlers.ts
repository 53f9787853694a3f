import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { findUserById } from '../queries/users.queries';
import { userHasConfirmedTotp } from '../queries/totp-credentials.queries';
import { verifySecondFactor } from '../services/two-factor.service';
import { pendingSignIn } from '../two-factor/pending-sign-in';
import { parseSignInCode } from '../validators/two-factor.validators';
import type { FieldErrors } from '../validators/validation';
import { flash } from '../middleware/flash';
import { startSession } from './auth.handlers';

/** The second step of signing in, for users with two-factor sign-in on (the password step is /login). */
export function twoFactorLoginHandlers({ db, config }: AppDeps) {
  function render(res: Response, status = 200, errors: FieldErrors = {}) {
    // A code is never sent back into the form: a wrong one is useless, a right one is spent.
    res.status(status).render('pages/auth/two-factor', { title: res.locals.t('twoFactor.signInTitle'), errors, values: {} });
  }

  function startOver(req: Request, res: Response) {
    delete req.session.twoFactorSignIn;
    flash(req, 'twoFactor.signInExpired', undefined, 'error');
    res.redirect(303, '/login');
  }

  return {
    show(req: Request, res: Response) {
      if (!pendingSignIn(req)) return res.redirect(303, '/login');
      render(res);
    },

    async submit(req: Request, res: Response) {
      const pending = pendingSignIn(req);
      if (!pending) return startOver(req, res);
      const user = await findUserById(db, pending.userId);
      // Disabled, the password changed, or two-factor sign-in reset since the password step: that step no longer
      // counts as it was (after a reset the password alone signs in, from the login page).
      if (!user || user.disabledAt || user.sessionGeneration !== pending.generation) return startOver(req, res);
      if (!(await userHasConfirmedTotp(db, user.id))) return startOver(req, res);
      const parsed = parseSignInCode(req.body);
      if (!parsed.ok) return render(res, 422, parsed.errors);
      const result = await verifySecondFactor(db, config.secretKey, {
        userId: user.id,
        ip: req.ip ?? 'unknown',
        factor: parsed.value,
        // Not signed in yet (req.user is unset), so the actor is named here: the user the password step found.
        by: { actor: { userId: user.id, label: user.username }, ip: req.ip ?? null },
        purpose: 'sign_in',
      });
      if (!result.ok && result.reason === 'throttled') {
        const key = result.retryMinutes === 1 ? 'twoFactor.throttledOne' : 'twoFactor.throttled';
        return render(res, 429, { form: { key, params: { minutes: result.retryMinutes } } });
      }
      if (!result.ok) return render(res, 422, { code: { key: result.reason === 'replayed' ? 'twoFactor.errors.replayed' : 'twoFactor.errors.wrongCode' } });
      // Signed in only now, in a new session (startSession regenerates it, which also drops the pending step).
      // verifySecondFactor recorded the sign-in (auth.login_succeeded): for these users the password step alone is not one.
      await startSession(req, user);
      if (result.usedRecoveryCode) flash(req, 'twoFactor.recoveryCodeUsed', { count: result.recoveryCodesLeft });
      res.redirect(303, pending.next);
    },
  };
}
