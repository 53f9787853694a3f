import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { pingDatabase, probeWrite } from '../queries/health.queries';
import { isBusyError, isDiskFullError } from '../db/db-errors';
import { BUSY_RETRY_AFTER_SECONDS } from '../middleware/error-handler';

/**
 * The health answer comes within a second in every case: a probe that has not finished by then (the write
 * connection is taken by a write waiting for a lock) counts as busy, and is left to finish on its own.
 */
const PROBE_DEADLINE_MS = 800;

type DbState = 'ok' | 'busy' | 'full' | 'unreachable';

class TimedOut extends Error {}

function withDeadline(work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), PROBE_DEADLINE_MS);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function healthHandlers({ db, logger }: AppDeps) {
  async function dbState(): Promise<DbState> {
    // Both at once, so the answer takes one deadline at most. The ping reads (the read-only connection): if it
    // fails, the database is not there at all.
    const [read, write] = await Promise.allSettled([withDeadline(pingDatabase(db)), withDeadline(probeWrite(db))]);
    const failure = read.status === 'rejected' ? read.reason : write.status === 'rejected' ? write.reason : undefined;
    if (failure === undefined) return 'ok';
    if (read.status === 'fulfilled' && (failure instanceof TimedOut || isBusyError(failure))) return 'busy';
    if (read.status === 'fulfilled' && isDiskFullError(failure)) return 'full';
    logger.error('health check: database unreachable', { code: (failure as { code?: string }).code, error: (failure as Error).message });
    return 'unreachable';
  }

  return {
    async health(_req: Request, res: Response) {
      const state = await dbState();
      if (state === 'ok') {
        res.json({ status: 'ok', db: 'ok' });
        return;
      }
      if (state === 'busy') res.set('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
      res.status(503).json({ status: 'error', db: state });
    },
  };
}
