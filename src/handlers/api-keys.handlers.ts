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

export function apiKeysHandlers({ db }: AppDeps) {
  async function renderList(res: Response, status = 200, errors: FieldErrors = {}, values: Record<string, string> = {}) {
    res.status(status).render('pages/api-keys/index', { title: res.locals.t('apiKeys.title'), keys: await listApiKeys(db), errors, values, nameMax: API_KEY_NAME_MAX });
  }

  return {
    list: (_req: Request, res: Response) => renderList(res),

    /**
     * The new key is shown in the answer to the POST itself, not after a redirect: a redirect would need the key
     * kept somewhere (the session row) until the next page, and it must exist nowhere but in this response.
     */
    async create(req: Request, res: Response) {
      const parsed = parseApiKeyForm(req.body);
      if (!parsed.ok) return renderList(res, 422, parsed.errors, { name: field(req.body, 'name') });
      const created = await createApiKey(db, { name: parsed.value.name, createdBy: req.user!.id }, auditContext(req, res));
      res.status(201).render('pages/api-keys/created', { title: res.locals.t('apiKeys.createdTitle'), name: parsed.value.name, key: created.key });
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
