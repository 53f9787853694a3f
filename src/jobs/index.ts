import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { Logger } from '../log';
import type { Dispatcher } from '../services/dispatcher.service';
import { runCleanup } from './cleanup.job';
import { runDraftExpiry } from './draft-expiry.job';
import { runConfirmResume } from './confirm-resume.job';
import { runRetentionJob } from './retention.job';
import { startDispatchLoop } from './dispatch.job';
import { cronLogger } from './cron-logger';
import { runBackupJob } from './backup.job';
import { runCloudReplies } from './cloud-replies.job';
import type { Config } from '../config';
import { onceAcrossInstances } from '../db/locks';

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
  config: Pick<Config, 'databaseFile' | 'dataDir' | 'timeZone' | 'secretKey' | 'databaseUrl'>,
): Jobs {
  // node-cron's messages that belong to no task (its shutdown, a task that fails to start) go to its global logger.
  cron.setLogger(cronLogger(logger, 'node-cron'));
  const schedule = (expression: string, name: string, run: () => Promise<unknown>) =>
    cron.schedule(expression, guarded(logger, name, run), { name, noOverlap: true, logger: cronLogger(logger, name) });
  // Every instance on one PostgreSQL database schedules these; the one that takes the lock runs it, the others skip.
  const once = (name: string, run: () => Promise<unknown>) => () => onceAcrossInstances(db, `job:${name}`, run);
  const tasks: ScheduledTask[] = [
    schedule('*/10 * * * *', 'cleanup', once('cleanup', () => runCleanup(db))),
    schedule('*/5 * * * *', 'draft-expiry', once('draft-expiry', () => runDraftExpiry(db))),
    // Issue 15: confirms in parts that stopped mid-way (a crash, a restart) are moved on to the end.
    schedule('* * * * *', 'confirm-resume', once('confirm-resume', () => runConfirmResume(db, logger, () => dispatch.dispatcher.wake()))),
    // Daily, at a quiet hour (server time): removes message rows past the retention setting, in small batches.
    schedule('30 3 * * *', 'retention', once('retention', () => runRetentionJob(db))),
    // Issue 11: replies from handsets pulled from the cloud accounts that offer a pull (Tencent), into /inbox.
    schedule('* * * * *', 'cloud-replies', once('cloud-replies', () => runCloudReplies(db, config.secretKey))),
  ];
  // Daily, before retention removes message rows: the copy still holds what retention is about to remove. A copy of
  // the SQLite file only: PostgreSQL is backed up with its own tools (pg_dump), README "Running several instances".
  if (!config.databaseUrl) tasks.push(schedule('0 3 * * *', 'backup', () => runBackupJob(db, config)));
  const dispatchLoop = startDispatchLoop(dispatch.dispatcher, dispatch.tickSeconds);
  void dispatch.dispatcher.tick();
  void guarded(logger, 'confirm-resume', once('confirm-resume', () => runConfirmResume(db, logger, () => dispatch.dispatcher.wake())))();
  return {
    async stop(timeoutMs = 10_000) {
      dispatchLoop.stop();
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.race([dispatch.dispatcher.stop(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}
