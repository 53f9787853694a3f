import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { pingDatabase } from '../queries/health.queries';

export function healthHandlers({ db, logger }: AppDeps) {
  return {
    async health(_req: Request, res: Response) {
      try {
        await pingDatabase(db);
        res.json({ status: 'ok', db: 'ok' });
      } catch (err) {
        logger.error('health check: database unreachable', { error: (err as Error).message });
        res.status(503).json({ status: 'error', db: 'unreachable' });
      }
    },
  };
}
