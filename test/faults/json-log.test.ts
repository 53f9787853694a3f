/**
 * The log of a real server process (`node src/server.ts`) while it sends a rate-limited task for several seconds with
 * a one-second tick, then stops on SIGTERM: every line it writes, on stdout or stderr, is one JSON object. node-cron's
 * plain-text "blocked by overlap" warnings used to appear here once a second while the task was sending.
 */
import { cleanUpAfterTest, prepareDataDir, startServer, waitUntil, type PreparedData } from '../helpers/app-process';
import { phones, seedTask } from '../helpers/tasks';

jest.setTimeout(90_000);

let data: PreparedData | undefined;
afterEach(async () => {
  await cleanUpAfterTest(data);
  data = undefined;
});

test('a server sending a long task writes nothing but JSON lines', async () => {
  data = await prepareDataDir({ carrierRatePerSecond: 100, dispatchBatchSize: 50 });
  const { taskId } = await seedTask(data.db, phones(500));
  const app = await startServer(data.dataDir, { env: { LOG_LEVEL: 'debug', DISPATCH_TICK_SECONDS: '1' } });
  await waitUntil(
    'the task to complete with all its receipts',
    async () => {
      const task = await data!.db('tasks').where({ id: taskId }).first('status', 'delivered_count');
      return task.status === 'completed' && task.delivered_count === 500;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  const lines = app.output.filter((line) => line.trim() !== '');
  expect(lines.some((line) => line.includes('dispatch completed'))).toBe(true);
  expect(lines.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  })).toEqual([]);
});
