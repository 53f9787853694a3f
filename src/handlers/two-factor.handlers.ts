import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { confirmEnrolment, renewRecoveryCodes, resetTwoFactor, startEnrolment, twoFactorStatus } from '../services/two-factor.service';
import { findUserById } from '../queries/users.queries';
import { saveSettings } from '../services/settings.service';
import { groupedSecret, totpUri } from '../two-factor/totp';
import { qrDataUrl } from '../two-factor/qr-image';
import { parseEnrolmentCode } from '../validators/two-factor.validators';
import { parseId } from '../validators/users.validators';
import { field, type FieldErrors } from '../validators/validation';
import { flash } from '../middleware/flash';
import { auditContext } from './audit-context';

/** Each user's own two-factor sign-in (/account/two-factor); an admin's reset of another user's, and the requirement. */
export function twoFactorHandlers({ db, config }: AppDeps) {
  async function renderPage(req: Request, res: Response, status = 200, errors: FieldErrors = {}) {
    const user = req.user!;
    const state = await twoFactorStatus(db, config.secretKey, user.id);
    const secret = state.pendingSecret;
    res.status(status).render('pages/account/two-factor', {
      title: res.locals.t('twoFactor.title'),
      twoFactor: state,
      enrolment: secret ? { qr: qrDataUrl(totpUri(user.username, secret)), secret: groupedSecret(secret) } : null,
      required: user.role === 'admin' && res.locals.settings.requireTwoFactorForAdmins === true && !state.enabled,
      errors,
      values: {},
    });
  }

  return {
    show: (req: Request, res: Response) => renderPage(req, res),

    async start(req: Request, res: Response) {
      try {
        await startEnrolment(db, config.secretKey, req.user!.id);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        flash(req, err.messageKey, err.params, 'error');
      }
      res.redirect(303, '/account/two-factor');
    },

    async confirm(req: Request, res: Response) {
      const parsed = parseEnrolmentCode(req.body);
      if (!parsed.ok) return renderPage(req, res, 422, parsed.errors);
      const result = await confirmEnrolment(db, config.secretKey, req.user!.id, parsed.value, auditContext(req, res));
      if (!result.ok && result.reason === 'notStarted') return res.redirect(303, '/account/two-factor');
      if (!result.ok) return renderPage(req, res, 422, { code: { key: 'twoFactor.errors.wrongEnrolmentCode' } });
      req.session.twoFactorRecoveryCodes = result.recoveryCodes;
      res.redirect(303, '/account/two-factor/recovery-codes');
    },

    async renewRecoveryCodes(req: Request, res: Response) {
      const parsed = parseEnrolmentCode(req.body);
      if (!parsed.ok) return renderPage(req, res, 422, parsed.errors);
      const result = await renewRecoveryCodes(db, config.secretKey, { userId: req.user!.id, ip: req.ip ?? 'unknown', code: parsed.value, by: auditContext(req, res) });
      if (!result.ok && result.reason === 'throttled') {
        const key = result.retryMinutes === 1 ? 'twoFactor.throttledOne' : 'twoFactor.throttled';
        return renderPage(req, res, 429, { code: { key, params: { minutes: result.retryMinutes } } });
      }
      if (!result.ok) return renderPage(req, res, 422, { code: { key: result.reason === 'replayed' ? 'twoFactor.errors.replayed' : 'twoFactor.errors.wrongCode' } });
      req.session.twoFactorRecoveryCodes = result.recoveryCodes;
      res.redirect(303, '/account/two-factor/recovery-codes');
    },

    /** The recovery codes, once: a reload (or the back button) finds them gone. */
    recoveryCodes(req: Request, res: Response) {
      const codes = req.session.twoFactorRecoveryCodes;
      if (!codes) return res.redirect(303, '/account/two-factor');
      delete req.session.twoFactorRecoveryCodes;
      res.render('pages/account/recovery-codes', { title: res.locals.t('twoFactor.recoveryTitle'), codes });
    },

    /** The /settings requirement, a form of its own: a checkbox, so there is nothing to refuse. */
    async saveRequirement(req: Request, res: Response) {
      await saveSettings(db, { requireTwoFactorForAdmins: field(req.body, 'requireTwoFactorForAdmins') !== '' }, { by: auditContext(req, res), config });
      flash(req, 'settings.securitySaved');
      res.redirect(303, '/settings');
    },

    async reset(req: Request, res: Response) {
      const id = parseId(req.params.id);
      const target = id === null ? undefined : await findUserById(db, id);
      if (!target) throw new HttpError(404, 'errors.notFound');
      try {
        const wasOn = await resetTwoFactor(db, auditContext(req, res), target.id);
        flash(req, wasOn ? 'twoFactor.resetDone' : 'twoFactor.resetNothing', { username: target.username });
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        flash(req, err.messageKey, err.params, 'error');
      }
      res.redirect(303, `/users/${target.id}`);
    },
  };
}
