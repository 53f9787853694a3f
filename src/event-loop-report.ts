/**
 * The main thread's event-loop delay on request: the first SIGUSR2 starts measuring (perf_hooks'
 * monitorEventLoopDelay, 10 ms resolution), each later one logs the delay since the previous signal and starts
 * afresh. For an operator wondering whether the app stalls, and for `npm run bench -- uploads`, which reads it
 * during a 100,000-recipient API create. Nothing is measured until asked, and only the process's owner (or root)
 * can send the signal.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from './log';

const round = (ns: number) => Math.round(ns / 1e4) / 100;

export function reportEventLoopDelayOnSignal(logger: Logger): () => void {
  let histogram: IntervalHistogram | undefined;
  const onSignal = () => {
    if (!histogram) {
      histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      logger.info('event loop delay: measuring');
      return;
    }
    const h = histogram;
    logger.info('event loop delay', { samples: h.count, p50Ms: round(h.percentile(50)), p99Ms: round(h.percentile(99)), maxMs: round(h.max) });
    h.reset();
  };
  process.on('SIGUSR2', onSignal);
  return () => {
    process.off('SIGUSR2', onSignal);
    histogram?.disable();
  };
}
