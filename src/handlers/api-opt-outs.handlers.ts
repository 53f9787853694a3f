import express, { type Request, type Response } from 'express';
import type { AppDeps } from '../app';
import { ApiError } from '../http-error';
import type { ApiLocals } from '../middleware/api-auth';
import { findOptOut, listOptOutChanges, listOptOuts, type OptOut, type OptOutChange } from '../queries/opt-outs.queries';
import { addOptOut, removeOptOut } from '../services/opt-outs.service';
import { parseOptOutFields, parseOptOutSearch } from '../validators/opt-outs.validators';
import type { FieldErrors } from '../validators/validation';
import { isoUtc } from './api-json';
import { auditContext } from './audit-context';

export const OPT_OUTS_LIMIT_MAX = 1000;
const OPT_OUTS_LIMIT_DEFAULT = 100;

const optOutJson = (o: OptOut) => ({ phone: o.phone, source: o.source, reason: o.reason, created_at: isoUtc(o.createdAt), inbound_message_id: o.inboundMessageId });
const changeJson = (c: OptOutChange) => ({ action: c.action, source: c.source, reason: c.reason, at: isoUtc(c.createdAt), user: c.userName, api_key_id: c.apiKeyId, inbound_message_id: c.inboundMessageId });

/** The opt-out list over the API (issue 14): the page's rules, the API's key and error conventions. */
export function apiOptOutsHandlers({ db }: AppDeps) {
  const refuse = (res: Response, errors: FieldErrors) => {
    const t = res.locals.t;
    res.status(422).json({ error: { code: 'validation_failed', message: t('api.errors.optOutInvalid'), fields: Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, t(e.key, e.params)])) } });
  };
  /** Who, for the list's own history and for the audit log (the API key, named by its name and prefix). */
  const actorOf = (req: Request, res: Response) => {
    const { apiKey, apiUser } = res.locals as ApiLocals;
    return { actor: { userId: apiUser.id, apiKeyId: apiKey.id }, by: auditContext(req, res) };
  };
  const oneString = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : null);

  return {
    /** A small JSON body (a number and a reason); the tasks' raw-body reader is for 20 MB imports. */
    json: express.json({ limit: '16kb' }),

    async list(req: Request, res: Response) {
      const limitText = oneString(req.query.limit);
      const limit = limitText === '' ? OPT_OUTS_LIMIT_DEFAULT : Number(limitText);
      if (limitText === null || !Number.isInteger(limit) || limit < 1 || limit > OPT_OUTS_LIMIT_MAX) throw new ApiError(400, 'invalid_limit', 'api.errors.limit', { max: OPT_OUTS_LIMIT_MAX });
      const phoneText = oneString(req.query.phone);
      const afterText = oneString(req.query.after);
      const phone = parseOptOutSearch(phoneText);
      const after = parseOptOutSearch(afterText);
      if (phoneText === null || (phoneText !== '' && !phone)) throw new ApiError(400, 'invalid_phone', 'api.errors.optOutSearch');
      if (afterText === null || (afterText !== '' && !after)) throw new ApiError(400, 'invalid_after', 'api.errors.optOutAfter');
      const rows = await listOptOuts(db, phone, limit, after || undefined);
      const page = rows.slice(0, limit);
      res.json({ opt_outs: page.map(optOutJson), next_after: rows.length > limit ? page[page.length - 1].phone : null });
    },

    async show(req: Request, res: Response) {
      const phone = parseOptOutSearch(req.params.phone);
      const found = phone.length === 11 ? await findOptOut(db, phone) : undefined;
      if (!found) throw new ApiError(404, 'not_found', 'api.errors.optOutNotFound');
      res.json({ opt_out: optOutJson(found), history: (await listOptOutChanges(db, phone, 100)).map(changeJson) });
    },

    async create(req: Request, res: Response) {
      const body: unknown = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'api.errors.bodyNotObject');
      const b = body as Record<string, unknown>;
      if (typeof b.phone !== 'string') return refuse(res, { phone: { key: 'api.errors.phoneString' } });
      const parsed = parseOptOutFields({ phone: b.phone, reason: b.reason ?? '' }, { reasonRequired: false });
      if (!parsed.ok) return refuse(res, parsed.errors);
      const added = await addOptOut(db, { ...parsed.value, source: 'api', ...actorOf(req, res) });
      const row = (await findOptOut(db, parsed.value.phone))!;
      res.status(added ? 201 : 200).json({ opt_out: optOutJson(row), added });
    },

    /** Removing needs a reason, as on the page: in the JSON body or `?reason=`. Keys are admins' keys, so the admin rule holds. */
    async remove(req: Request, res: Response) {
      const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const reason = b.reason ?? req.query.reason ?? '';
      const parsed = parseOptOutFields({ phone: req.params.phone, reason }, { reasonRequired: true });
      if (!parsed.ok && parsed.errors.phone) throw new ApiError(404, 'not_found', 'api.errors.optOutNotFound');
      if (!parsed.ok) return refuse(res, parsed.errors);
      const removed = await removeOptOut(db, { ...parsed.value, source: 'api', ...actorOf(req, res) });
      if (!removed) throw new ApiError(404, 'not_found', 'api.errors.optOutNotFound');
      res.json({ removed: { phone: parsed.value.phone } });
    },
  };
}
