import type { Response } from 'express';

/**
 * Aborted when the client goes away before its answer, so a queued import or API check is dropped rather than run
 * for nobody.
 */
export function requestGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}
