import type { Response } from 'express';

/**
 * Streams a download whose headers are already sent, then records it (issue 14) with `completed`. The rule is the
 * same for every recorded export, so it lives once: a download the person cancelled is recorded as not completed
 * (nothing is wrong and nobody is left to tell); a failure half-way is recorded too, but its own error goes on up,
 * since what left before it was still exported and the record must not hide the real error.
 */
export async function streamRecordedDownload(res: Response, write: () => Promise<void>, record: (completed: boolean) => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (res.destroyed) {
      await record(false);
      return;
    }
    await record(false).catch(() => undefined);
    throw err;
  }
  res.end();
  await record(true);
}
