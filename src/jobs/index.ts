import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { Logger } from '../log';
import { runCleanup } from './cleanup.job';
import { runDraftExpiry } from './draft-expiry.job';

export interface Jobs {
  stop(): Promise<void>;
}

/** The list of background jobs: each runs inside the one process, with the database as its only state. */
export function startJobs(db: Knex, logger: Logger): Jobs {
  const tasks: ScheduledTask[] = [
    cron.schedule('*/10 * * * *', async () => {
      try {
        const removed = await runCleanup(db);
        logger.debug('cleanup done', removed);
      } catch (err) {
        logger.error('cleanup failed', { error: (err as Error).message });
      }
    }, { name: 'cleanup', noOverlap: true }),
    cron.schedule('*/5 * * * *', async () => {
      try {
        const removed = await runDraftExpiry(db);
        if (removed) logger.info('expired drafts deleted', { removed });
      } catch (err) {
        logger.error('draft expiry failed', { error: (err as Error).message });
      }
    }, { name: 'draft-expiry', noOverlap: true }),
  ];
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
