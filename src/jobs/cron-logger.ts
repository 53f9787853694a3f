import type { Logger as CronLogger } from 'node-cron';
import type { Logger } from '../log';

/**
 * node-cron's own messages (a missed beat, a beat skipped by `noOverlap`, a failed start) as JSON lines in our log:
 * its default logger prints coloured plain text with console.*, which breaks a log read one JSON object a line.
 */
export function cronLogger(logger: Logger, job: string): CronLogger {
  const fields = (err?: Error) => ({ job, source: 'node-cron', ...(err ? { error: err.message } : {}) });
  const text = (message: string | Error) => (message instanceof Error ? message.message : message);
  return {
    info: (message) => logger.info(message, fields()),
    warn: (message) => logger.warn(message, fields()),
    error: (message, err) => logger.error(text(message), fields(err ?? (message instanceof Error ? message : undefined))),
    debug: (message, err) => logger.debug(text(message), fields(err)),
  };
}
