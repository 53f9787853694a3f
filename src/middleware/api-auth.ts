import type { Request, Response, NextFunction } from 'express';
import type { Db } from '../db/knex';
import type { Logger } from '../log';
import { ApiError } from '../http-error';
import { authenticateApiKey } from '../services/api-keys.service';
import type { ApiKey } from '../queries/api-keys.queries';
import type { User } from '../queries/users.queries';

/** What the API handlers may use: `res.locals.apiKey` and `res.locals.apiUser` (the key's creator). */
export interface ApiLocals {
  apiKey: ApiKey;
  apiUser: User;
}

const BEARER = /^Bearer[ ]+(\S{1,512})[ ]*$/i;

/**
 * `Authorization: Bearer <key>` on every /api/v1 request. A missing header and a bad key are told apart (a client
 * that forgot the header needs another fix than one with a revoked key), but an unknown and a revoked key are not.
 */
export function apiAuth(db: Db, logger: Logger) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="qunfa"');
      return next(new ApiError(401, 'missing_api_key', 'api.errors.missingKey'));
    }
    const auth = await authenticateApiKey(db, match[1]);
    if (!auth.ok) {
      if (auth.reason !== 'unknown') logger.info('api key refused', { reason: auth.reason });
      res.set('WWW-Authenticate', 'Bearer realm="qunfa", error="invalid_token"');
      return next(new ApiError(401, 'invalid_api_key', 'api.errors.invalidKey'));
    }
    res.locals.apiKey = auth.key;
    res.locals.apiUser = auth.user;
    next();
  };
}
