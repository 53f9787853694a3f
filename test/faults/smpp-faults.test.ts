/**
 * The SMPP connector in real app processes (`node src/server.ts`) against the test SMSC in this process (issue 10,
 * "No duplicates without an idempotency key"): SIGKILL mid-send and a restart never submit a message twice (each
 * message reaches the SMSC exactly once, or at most once for those that end unknown), and SIGTERM stops submitting,
 * waits for the answers outstanding and unbinds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TestSmsc } from '../helpers/smsc';
import { addSmppAccount } from '../helpers/smpp-account';
import { phones, seedTask } from '../helpers/tasks';
import { PASSWORD } from '../helpers/app';
import {
  cleanUpAfterTest,
  errorLines,
  killAllProcesses,
  loginOverHttp,
  messageCounts,
  prepareDataDir,
  removeTempDirs,
  startServer,
  waitUntil,
  type PreparedData,
} from '../helpers/app-process';

jest.setTimeout(180_000);

let data: PreparedData | undefined;
let smsc: TestSmsc | undefined;
const secretKey = crypto.randomBytes(32);
const env = { QUNFA_SECRET_KEY: secretKey.toString('base64') };

afterEach(async () => {
  await cleanUpAfterTest(data);
  data = undefined;
  await smsc?.close();
  smsc = undefined;
});

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

test('SIGKILL mid-send, then a restart: every message reaches the SMSC exactly once, or at most once when it ends unknown', async () => {
  const N = 3000;
  data = await prepareDataDir({ dispatchBatchSize: 100 });
  const { db } = data;
  smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
  await addSmppAccount(db, secretKey, smsc.port, { settings: { window: 20, tps: 1000 } });
  const numbers = phones(N);
  const { taskId } = await seedTask(db, numbers);
  const first = await startServer(data.dataDir, { env });
  await waitUntil('a third of the task at the SMSC', () => smsc!.submits.length >= N / 3, { timeoutMs: 60_000, intervalMs: 20 });
  await first.stop('SIGKILL');
  const atKill = smsc.submits.length;
  expect(atKill).toBeLessThan(N);
  const second = await startServer(data.dataDir, { env });
  await waitUntil('the task to complete', async () => (await db('tasks').where({ id: taskId }).first()).status === 'completed', { timeoutMs: 90_000, intervalMs: 200 });

  const counts = smsc.countsBy((r) => r.destination);
  const messages = (await db('messages').where({ task_id: taskId }).select('phone', 'status', 'carrier_message_id')) as { phone: string; status: string; carrier_message_id: string | null }[];
  const byStatus = await messageCounts(db, taskId);
  expect(Object.keys(byStatus).sort()).toEqual(byStatus.unknown ? ['submitted', 'unknown'] : ['submitted']);
  for (const m of messages) {
    const n = counts.get(`86${m.phone}`) ?? 0;
    if (m.status === 'submitted') expect([m.phone, n]).toEqual([m.phone, 1]);
    else expect([m.phone, n <= 1]).toEqual([m.phone, true]);
  }
  // The carrier id recorded is the one the SMSC gave that message.
  const idAtSmsc = new Map(smsc.submits.filter((s) => s.messageId).map((s) => [s.destination, s.messageId]));
  for (const m of messages.filter((x) => x.status === 'submitted')) expect(m.carrier_message_id).toBe(idAtSmsc.get(`86${m.phone}`));
  // Only what was at the carrier when the process died can be unknown: at most the three batches a pipeline keeps out.
  expect(byStatus.unknown ?? 0).toBeLessThanOrEqual(300);
  const task = await db('tasks').where({ id: taskId }).first();
  expect({ submitted: task.submitted_count, unknown: task.unknown_count }).toEqual({ submitted: byStatus.submitted, unknown: byStatus.unknown ?? 0 });
  expect(errorLines(second)).toEqual([]);
});

test('SIGTERM while sending: submitting stops, the answers outstanding are awaited, the link unbinds, nothing ends unknown', async () => {
  const N = 3000;
  data = await prepareDataDir({ dispatchBatchSize: 100 });
  const { db } = data;
  smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
  await addSmppAccount(db, secretKey, smsc.port, { settings: { window: 20, tps: 1000 } });
  const { taskId } = await seedTask(db, phones(N));
  const proc = await startServer(data.dataDir, { env });
  await waitUntil('some of the task at the SMSC', () => smsc!.submits.length >= 300, { timeoutMs: 60_000, intervalMs: 20 });
  const exit = await proc.stop('SIGTERM', 20_000);
  expect(exit.code).toBe(0);
  expect(smsc.unbinds).toBe(1);
  const byStatus = await messageCounts(db, taskId);
  expect(byStatus.unknown ?? 0).toBe(0);
  expect(byStatus.submitting ?? 0).toBe(0);
  expect(byStatus.submitted).toBe(smsc.submits.length);
  expect(byStatus.submitted).toBeLessThan(N);
  expect(errorLines(proc)).toEqual([]);
});

test('an SMPP account from CARRIERS_FILE binds at start: its tasks go out, and the simulator notice is gone', async () => {
  data = await prepareDataDir();
  const { db } = data;
  smsc = await TestSmsc.start({ systemId: 'qunfa', password: 'secret' });
  const file = path.join(data.dataDir, 'carriers.json');
  fs.writeFileSync(file, JSON.stringify({ accounts: [{ name: 'smsc1', kind: 'smpp', host: '127.0.0.1', port: smsc.port, system_id: 'qunfa', password: 'secret' }], routes: { notification: 'smsc1' } }));
  const proc = await startServer(data.dataDir, { env: { ...env, CARRIERS_FILE: file } });
  await waitUntil('the bind', async () => (await db('carrier_accounts').where({ name: 'smsc1' }).first()).state === 'connected', { timeoutMs: 20_000 });
  const { taskId } = await seedTask(db, phones(5));
  await waitUntil('the task sent', async () => (await messageCounts(db, taskId)).submitted === 5, { timeoutMs: 30_000 });
  expect(smsc.submits).toHaveLength(5);
  const cookie = await loginOverHttp(proc, 'admin', PASSWORD);
  const html = await (await fetch(`${proc.url}/tasks`, { headers: { cookie } })).text();
  expect(html).not.toContain('data-simulator-notice');
  expect(errorLines(proc)).toEqual([]);
});
