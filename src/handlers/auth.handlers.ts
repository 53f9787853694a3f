import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { isLocale } from '../i18n/i18n';
import { countUsers, type User } from '../queries/users.queries';
import { stampSession } from '../middleware/auth';
import { attemptLogin, createFirstAdmin } from '../services/auth.service';
import { setUserLocale } from '../services/users.service';
import { parseLoginForm, parseSetupForm } from '../validators/users.validators';
import { field } from '../validators/validation';
import { flash } from '../middleware/flash';
import { beginCodeStep } from '../two-factor/pending-sign-in';

function safeNext(raw: unknown): string {
  return typeof raw === 'string' && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\') ? raw : '/tasks';
}

/** A new session id at login defeats session fixation; the chosen language survives the switch. */
export function startSession(req: Request, user: Pick<User, 'id' | 'sessionGeneration'>): Promise<void> {
  const locale = req.session.locale;
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      stampSession(req, user);
      if (locale) req.session.locale = locale;
      req.session.save((saveErr) => (saveErr ? reject(saveErr) : resolve()));
    }),
  );
}

export function authHandlers({ db }: AppDeps) {
  async function assertSetupOpen() {
    if ((await countUsers(db)) > 0) throw new HttpError(404, 'errors.notFound');
  }

  return {
    async showSetup(_req: Request, res: Response) {
      await assertSetupOpen();
      res.render('pages/auth/setup', { title: res.locals.t('setup.title') });
    },

    async submitSetup(req: Request, res: Response) {
      await assertSetupOpen();
      const parsed = parseSetupForm(req.body);
      const values = { username: field(req.body, 'username') };
      if (!parsed.ok) return res.status(422).render('pages/auth/setup', { title: res.locals.t('setup.title'), errors: parsed.errors, values });
      const id = await createFirstAdmin(db, parsed.value.username, parsed.value.password, req.ip ?? 'unknown');
      await startSession(req, { id, sessionGeneration: 0 });
      flash(req, 'setup.done');
      res.redirect(303, '/signatures');
    },

    showLogin(req: Request, res: Response) {
      if (req.user) return res.redirect(303, safeNext(req.query.next));
      res.render('pages/auth/login', { title: res.locals.t('login.title'), values: { next: safeNext(req.query.next) } });
    },

    async submitLogin(req: Request, res: Response) {
      const values = { username: field(req.body, 'username'), next: safeNext(field(req.body, 'next')) };
      const title = res.locals.t('login.title');
      const parsed = parseLoginForm(req.body);
      if (!parsed.ok) return res.status(422).render('pages/auth/login', { title, errors: parsed.errors, values });
      const result = await attemptLogin(db, { ...parsed.value, ip: req.ip ?? 'unknown' });
      if (!result.ok) {
        const formError =
          result.reason === 'throttled'
            ? { key: result.retryMinutes === 1 ? 'login.throttledOne' : 'login.throttled', params: { minutes: result.retryMinutes } }
            : { key: 'login.invalid' };
        return res.status(result.reason === 'throttled' ? 429 : 422).render('pages/auth/login', { title, errors: { form: formError }, values });
      }
      if (result.secondFactor) {
        // Not signed in yet: the code step (/login/code) finishes the sign-in in a new session.
        beginCodeStep(req, result.user, values.next);
        return res.redirect(303, '/login/code');
      }
      await startSession(req, result.user);
      res.redirect(303, values.next);
    },

    async logout(req: Request, res: Response) {
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.clearCookie('qunfa.sid');
      res.redirect(303, '/login');
    },

    async setLocale(req: Request, res: Response) {
      const locale = field(req.body, 'locale');
      if (!isLocale(locale)) throw new HttpError(400, 'errors.badRequest');
      req.session.locale = locale;
      if (req.user) await setUserLocale(db, req.user.id, locale);
      res.redirect(303, safeNext(field(req.body, 'back')));
    },
  };
}
