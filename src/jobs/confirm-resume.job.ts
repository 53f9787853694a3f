import type { Knex } from 'knex';
import type { Logger } from '../log';
import { resumeStoppedConfirms } from '../services/confirm-move.service';

/**
 * Issue 15: a confirm in parts that stopped mid-way (the process crashed or was stopped) is moved on from where it
 * stopped: its committed parts are in `messages`, the rest still in `draft_recipients`. Runs at start and every
 * minute; a task is taken up once no part of it has committed for CONFIRM_STALE_MS (so not while another instance
 * moves it).
 */
export async function runConfirmResume(db: Knex, logger: Logger, wake: () => void): Promise<string[]> {
  return resumeStoppedConfirms(db, {
    onScheduled: wake,
    onError: (err) => logger.error('resumed confirm in parts stopped again', { error: err.message }),
  });
}
