import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { Dispatcher } from '../services/dispatcher.service';
import { runCleanup } from './cleanup.job';
import { runDraftExpiry } from './draft-expiry.job';
import { runRetentionJob } from './retention.job';
import { scheduleDispatch } from './dispatch.job';
import { runBackupJob } from './backup.job';
import type { Config } from '../config';

export interface Jobs {
  /** Stops the schedules, then lets the dispatcher finish its batch in flight, at most `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

function guarded(logger: Logger, name: string, run: () => Promise<unknown>) {
  return async () => {
    try {
      const result = await run();
      logger.debug(`${name} done`, { result });
    } catch (err) {
      logger.error(`${name} failed`, { error: (err as Error).message });
    }
  };
}

/** The list of background jobs: each runs inside the one process, with the database as its only state. */
export function startJobs(
  db: Knex,
  logger: Logger,
  dispatch: { dispatcher: Dispatcher; tickSeconds: number },
  config: Pick<Config, 'databaseFile' | 'dataDir' | 'timeZone'>,
): Jobs {
  const tasks: ScheduledTask[] = [
    cron.schedule('*/10 * * * *', guarded(logger, 'cleanup', () => runCleanup(db)), { name: 'cleanup', noOverlap: true }),
    cron.schedule('*/5 * * * *', guarded(logger, 'draft expiry', () => runDraftExpiry(db)), { name: 'draft-expiry', noOverlap: true }),
    // Daily, at a quiet hour (server time): removes message rows past the retention setting, in small batches.
    cron.schedule('30 3 * * *', guarded(logger, 'retention', () => runRetentionJob(db)), { name: 'retention', noOverlap: true }),
    // Daily, before retention removes message rows: the copy still holds what retention is about to remove.
    cron.schedule('0 3 * * *', guarded(logger, 'backup', () => runBackupJob(db, config)), { name: 'backup', noOverlap: true }),
    scheduleDispatch(dispatch.dispatcher, dispatch.tickSeconds),
  ];
  void dispatch.dispatcher.tick();
  return {
    async stop(timeoutMs = 10_000) {
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.race([dispatch.dispatcher.stop(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}
