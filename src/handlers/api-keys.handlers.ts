import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { flash } from '../middleware/flash';
import { listApiKeys } from '../queries/api-keys.queries';
import { createApiKey, revokeKey } from '../services/api-keys.service';
import { API_KEY_NAME_MAX, parseApiKeyForm } from '../validators/api-keys.validators';
import { parseId } from '../validators/users.validators';
import { field, type FieldErrors } from '../validators/validation';
import { auditContext } from './audit-context';

declare module 'express-session' {
  interface SessionData {
    /** A key just created, shown once by the page the create redirects to, which removes it from the session. */
    newApiKey?: { name: string; prefix: string; key: string };
  }
}

export function apiKeysHandlers({ db }: AppDeps) {
  async function renderList(res: Response, status = 200, errors: FieldErrors = {}, values: Record<string, string> = {}) {
    res.status(status).render('pages/api-keys/index', { title: res.locals.t('apiKeys.title'), keys: await listApiKeys(db), errors, values, nameMax: API_KEY_NAME_MAX });
  }

  return {
    list: (_req: Request, res: Response) => renderList(res),

    /**
     * POST-redirect-GET: a refresh of the page that shows the key must not create another key. The key waits in
     * the session (a one-time flash) only until that page is shown, which takes it out at once; it is stored
     * nowhere else.
     */
    async create(req: Request, res: Response) {
      const parsed = parseApiKeyForm(req.body);
      if (!parsed.ok) return renderList(res, 422, parsed.errors, { name: field(req.body, 'name') });
      const created = await createApiKey(db, { name: parsed.value.name, createdBy: req.user!.id }, auditContext(req, res));
      req.session.newApiKey = { name: parsed.value.name, prefix: created.prefix, key: created.key };
      res.redirect(303, '/api-keys/created');
    },

    /** Shows the new key once; afterwards (a refresh, the Back button) the list, where the key is only its prefix. */
    created(req: Request, res: Response) {
      const shown = req.session.newApiKey;
      if (!shown) return res.redirect(303, '/api-keys');
      delete req.session.newApiKey;
      res.render('pages/api-keys/created', { title: res.locals.t('apiKeys.createdTitle'), name: shown.name, key: shown.key });
    },

    async revoke(req: Request, res: Response) {
      const id = parseId(req.params.id);
      if (id === null) throw new HttpError(404, 'errors.notFound');
      const key = await revokeKey(db, id, new Date(), auditContext(req, res));
      flash(req, 'apiKeys.revoked', { name: key.name });
      res.redirect(303, '/api-keys');
    },
  };
}
