import type { Request, Response } from 'express';
import type { ApiLocals } from '../middleware/api-auth';
import type { AuditContext } from '../services/audit.service';

/**
 * Who is acting in this request, for the audit log: the API key (named by its name and prefix, with its creator's
 * id) under /api, else the signed-in user. `req.ip` honours TRUST_PROXY, as the login throttle does.
 */
export function auditContext(req: Request, res: Response): AuditContext {
  const ip = req.ip ?? null;
  const { apiKey, apiUser } = res.locals as Partial<ApiLocals>;
  if (apiKey) return { actor: { userId: apiUser?.id ?? null, apiKeyId: apiKey.id, label: `${apiKey.name} (qf_${apiKey.prefix}_…)` }, ip };
  if (req.user) return { actor: { userId: req.user.id, label: req.user.username }, ip };
  return { actor: { label: 'anonymous' }, ip };
}
