import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { applyCallback, callbackAccount } from '../services/carrier-callbacks.service';
import { callbackAnswer, parseCallbackBody } from '../validators/carrier-callbacks.validators';
import { parseId } from '../validators/users.validators';

/** POST /carrier-callbacks/:account/:token: receipts and replies a provider pushes (README, "Callbacks"). */
export function carrierCallbacksHandlers({ db, config, logger }: AppDeps) {
  return {
    async receive(req: Request, res: Response) {
      const id = parseId(req.params.account);
      const token = typeof req.params.token === 'string' ? req.params.token : '';
      const account = id === null || token.length < 20 || token.length > 128 ? null : await callbackAccount(db, config.secretKey, id, token);
      // A wrong account or token looks like no page at all, and records nothing.
      if (!account) return res.status(404).json({ error: 'not found' });
      const parsed = parseCallbackBody(account.kind, req.body);
      if (!parsed.ok) {
        logger.warn('carrier callback refused', { account: account.id, reason: parsed.reason });
        return res.status(400).json({ error: parsed.reason });
      }
      const applied = await applyCallback(db, account.id, parsed.receipts, parsed.replies);
      logger.info('carrier callback applied', { account: account.id, ...applied });
      res.json(callbackAnswer(account.kind));
    },
  };
}
