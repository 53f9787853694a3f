import type { Dispatcher } from '../services/dispatcher.service';
import { RECEIPT_INTERVAL_MS } from '../services/dispatcher.service';

export interface DispatchLoop {
  /** No step starts after this; the step running (if any) is the dispatcher's to finish (Dispatcher.stop). */
  stop(): void;
}

/**
 * The dispatcher's ticker: a loop that schedules its next step only when the last one has ended, so it cannot
 * overlap itself. (node-cron's `noOverlap` skipped the beats that fell inside a long tick and printed a plain-text
 * "blocked by overlap" warning for each into the JSON log.) Every `tickSeconds` a step is a full tick (receipts, then
 * due tasks); in between, at most a second apart, it only applies the receipts that came due, so a receipt waits
 * about a second, not a whole tick.
 */
export function startDispatchLoop(dispatcher: Dispatcher, tickSeconds: number): DispatchLoop {
  const tickMs = tickSeconds * 1000;
  const stepMs = Math.min(tickMs, RECEIPT_INTERVAL_MS);
  let lastTickAt = Date.now();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const step = async () => {
    if (Date.now() - lastTickAt >= tickMs) {
      lastTickAt = Date.now();
      await dispatcher.tick();
    } else {
      await dispatcher.applyDueReceipts();
    }
    // Both calls catch and log their own errors, so the loop always goes on.
    if (!stopped) timer = setTimeout(() => void step(), stepMs);
  };
  timer = setTimeout(() => void step(), stepMs);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
