import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { findUserById, listUsers } from '../queries/users.queries';
import { listUserIdsWithTotp, userHasConfirmedTotp } from '../queries/totp-credentials.queries';
import { createUser, resetPassword, setUserDisabled, setUserRole, usernameTaken } from '../services/users.service';
import { parseId, parseNewUserForm, parseResetPasswordForm, parseRoleForm } from '../validators/users.validators';
import { field, type FieldErrors } from '../validators/validation';
import { flash } from '../middleware/flash';
import { stampSession } from '../middleware/auth';
import { auditContext } from './audit-context';

export function usersHandlers({ db }: AppDeps) {
  async function loadUser(req: Request) {
    const id = parseId(req.params.id);
    const user = id === null ? undefined : await findUserById(db, id);
    if (!user) throw new HttpError(404, 'errors.notFound');
    return user;
  }

  async function renderShow(req: Request, res: Response, status = 200, errors: FieldErrors = {}) {
    const target = await loadUser(req);
    const targetTwoFactor = await userHasConfirmedTotp(db, target.id);
    res.status(status).render('pages/users/show', { title: target.username, target, targetTwoFactor, errors, values: { role: field(req.body, 'role') || target.role } });
  }

  /**
   * A change to a user ends their sessions (it moves their session generation on); when admins change themselves,
   * the session they did it from is re-stamped and carries on, while their other sessions end.
   */
  function keepOwnSession(req: Request, targetId: number, generation: number) {
    if (targetId === req.user!.id) stampSession(req, { sessionGeneration: generation });
  }

  /** Refusals such as "last active admin" come back to the user's page as a message, not an error page. */
  async function guarded(req: Request, res: Response, action: () => Promise<number>, successKey: string) {
    const target = await loadUser(req);
    try {
      keepOwnSession(req, target.id, await action());
      flash(req, successKey, { username: target.username });
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 409) throw err;
      flash(req, err.messageKey, err.params, 'error');
    }
    res.redirect(303, `/users/${target.id}`);
  }

  return {
    async list(_req: Request, res: Response) {
      res.render('pages/users/index', { title: res.locals.t('users.title'), users: await listUsers(db), twoFactorUserIds: new Set(await listUserIdsWithTotp(db)) });
    },

    newForm(_req: Request, res: Response) {
      res.render('pages/users/new', { title: res.locals.t('users.new'), values: { role: 'member' } });
    },

    async create(req: Request, res: Response) {
      const parsed = parseNewUserForm(req.body);
      const values = { username: field(req.body, 'username'), role: field(req.body, 'role') };
      const errors = parsed.ok ? {} : { ...parsed.errors };
      if (parsed.ok && (await usernameTaken(db, parsed.value.username))) errors.username = { key: 'users.errors.usernameTaken' };
      if (!parsed.ok || Object.keys(errors).length) {
        return res.status(422).render('pages/users/new', { title: res.locals.t('users.new'), errors, values });
      }
      await createUser(db, parsed.value, auditContext(req, res));
      flash(req, 'users.created', { username: parsed.value.username });
      res.redirect(303, '/users');
    },

    show: (req: Request, res: Response) => renderShow(req, res),

    async resetPassword(req: Request, res: Response) {
      const target = await loadUser(req);
      const parsed = parseResetPasswordForm(req.body);
      if (!parsed.ok) return renderShow(req, res, 422, parsed.errors);
      keepOwnSession(req, target.id, await resetPassword(db, target.id, parsed.value.password, auditContext(req, res)));
      flash(req, 'users.passwordReset', { username: target.username });
      res.redirect(303, `/users/${target.id}`);
    },

    async setRole(req: Request, res: Response) {
      const parsed = parseRoleForm(req.body);
      if (!parsed.ok) return renderShow(req, res, 422, parsed.errors);
      await guarded(req, res, () => setUserRole(db, Number(req.params.id), parsed.value.role, auditContext(req, res)), 'users.roleChanged');
    },

    disable: (req: Request, res: Response) => guarded(req, res, () => setUserDisabled(db, Number(req.params.id), true, auditContext(req, res)), 'users.disabled'),
    enable: (req: Request, res: Response) => guarded(req, res, () => setUserDisabled(db, Number(req.params.id), false, auditContext(req, res)), 'users.enabled'),
  };
}
