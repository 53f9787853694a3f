import { reportEventLoopDelayOnSignal } from './event-loop-report';
import { createLogger } from './log';

test('SIGUSR2 starts measuring the event-loop delay, and each later one logs it and starts afresh', async () => {
  const lines: string[] = [];
  const stop = reportEventLoopDelayOnSignal(createLogger('info', (l) => lines.push(l)));
  try {
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 60));
    const blockedUntil = Date.now() + 120;
    while (Date.now() < blockedUntil);
    await new Promise((r) => setTimeout(r, 30));
    process.emit('SIGUSR2', 'SIGUSR2');
    const [started, report] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(started.msg).toBe('event loop delay: measuring');
    expect(report).toMatchObject({ msg: 'event loop delay', samples: expect.any(Number), p50Ms: expect.any(Number), p99Ms: expect.any(Number) });
    expect(report.maxMs as number).toBeGreaterThanOrEqual(100);
  } finally {
    stop();
  }
});
