import cron, { type ScheduledTask } from 'node-cron';
import type { Dispatcher } from '../services/dispatcher.service';

/**
 * The ticker: every few seconds the dispatcher claims due tasks and pulls receipts. A tick still running makes
 * the next one wait for it (Dispatcher.tick joins the running one), so ticks never overlap.
 */
export function scheduleDispatch(dispatcher: Dispatcher, tickSeconds: number): ScheduledTask {
  return cron.schedule(`*/${tickSeconds} * * * * *`, () => dispatcher.tick(), { name: 'dispatch', noOverlap: true });
}
