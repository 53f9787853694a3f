import cron from 'node-cron';
import { createLogger } from '../log';
import { cronLogger } from './cron-logger';

test('node-cron’s own warnings (a beat skipped by noOverlap) come out as JSON lines of our log, never on the console', async () => {
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  const printed: unknown[] = [];
  const consoleWarn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void printed.push(args));
  let release = () => undefined as void;
  const busy = new Promise<void>((resolve) => (release = resolve));
  const task = cron.schedule('* * * * * *', () => busy, { name: 'slow', noOverlap: true, logger: cronLogger(logger, 'slow') });
  try {
    // The first beat runs and stays busy; the next ones find it running.
    await new Promise((resolve) => setTimeout(resolve, 2600));
  } finally {
    release();
    await task.stop();
    await task.destroy();
    consoleWarn.mockRestore();
  }
  expect(printed).toEqual([]);
  const overlaps = lines.map((l) => JSON.parse(l)).filter((l) => String(l.msg).includes('overlap'));
  expect(overlaps.length).toBeGreaterThanOrEqual(1);
  expect(overlaps[0]).toMatchObject({ level: 'warn', job: 'slow', source: 'node-cron' });
});
