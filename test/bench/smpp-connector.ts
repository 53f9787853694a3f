/**
 * One connector run of the SMPP suite: a task of `messages` one-part messages sent by the real dispatcher through
 * the carrier pool and the SMPP connector (as src/server.ts wires them) to the test SMSC of the suite, with the app
 * serving HTTP in this process and, when `probed`, GET /tasks asked every 10 ms meanwhile (that costs the send
 * its share of this process's CPU, so the time compared with the floor is taken unprobed). The clock runs from the
 * first tick to the task's completion (every message's submit_sm answered and recorded). A warm-up task of
 * `warmup` messages goes first through the same server and dispatcher, untimed: a running server has sent before,
 * and its first send pays for V8's compilation of the whole path and for starting the dispatch writes thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createDb, migrateLatest } from '../../src/db/knex';
import { startWalCheckpointer, type WalCheckpointer } from '../../src/db/wal-checkpointer';
import { createApp } from '../../src/app';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier } from '../../src/carrier/stub.carrier';
import { CarrierPool } from '../../src/services/carrier-pool.service';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { addUser, PASSWORD } from '../helpers/app';
import { addSmppAccount } from '../helpers/smpp-account';
import { phones, seedTask } from '../helpers/tasks';
import { Client } from './client';
import { LatencyProbe, latencyStats, type LatencyStats } from './probes';

export interface ConnectorRun {
  ms: number;
  /** This process's CPU time meanwhile (the app's and the probe's). */
  cpuMs: number;
  submitted: number;
  tasks: LatencyStats;
}

export async function connectorRun(port: number, window: number, messages: number, batchSize: number, probed: boolean, warmup = 0): Promise<ConnectorRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-smpp-'));
  const config = loadConfig({ DATA_DIR: dataDir, TZ: 'Asia/Shanghai', SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123', LOG_LEVEL: 'warn' });
  const logger = createLogger(config.logLevel, () => undefined);
  // As src/server.ts opens it: the WAL is checkpointed by a thread of its own, not inside the dispatcher's commits.
  const db = createDb(config.databaseFile, { backgroundCheckpoint: true });
  let checkpointer: WalCheckpointer | undefined;
  let server: Server | undefined;
  let pool: CarrierPool | undefined;
  try {
    await migrateLatest(db);
    checkpointer = startWalCheckpointer(db, config.databaseFile, logger);
    await addUser(db, 'admin', 'admin');
    await saveSettings(db, { carrierRatePerSecond: 0, dispatchBatchSize: batchSize });
    const accountId = await addSmppAccount(db, config.secretKey, port, { settings: { window, tps: 100_000, system_id: 'bench' }, password: 'bench' });
    const settings = () => getSettings(db, config);
    const stub = new StubCarrier(db, async () => (await settings()).stubCarrier);
    pool = new CarrierPool(db, { db, secretKey: config.secretKey, logger, stub }, logger);
    const dispatcher = new Dispatcher(db, pool, settings, logger, { leaseMs: config.dispatchLeaseMs });
    const app = createApp({ db, config, logger });
    server = await new Promise<Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await client.login('admin', PASSWORD);
    await pool.refresh();
    const deadline = Date.now() + 10_000;
    while (!pool.carrierOf(accountId)?.available?.()) {
      if (Date.now() > deadline) throw new Error('the bench account did not bind');
      await new Promise((r) => setTimeout(r, 10));
    }
    const sendTask = async (count: number) => {
      const { taskId } = await seedTask(db, phones(count), { content: '您的验证码是 123456，五分钟内有效。' });
      for (;;) {
        await dispatcher.tick();
        if ((await db('tasks').where({ id: taskId }).first('status')).status === 'completed') return taskId;
      }
    };
    if (warmup > 0) await sendTask(warmup);
    const { taskId } = await seedTask(db, phones(messages), { content: '您的验证码是 123456，五分钟内有效。' });
    const probe = probed ? new LatencyProbe(client, '/tasks', 10).start() : undefined;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (;;) {
      await dispatcher.tick();
      if ((await db('tasks').where({ id: taskId }).first('status')).status === 'completed') break;
    }
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const tasks = probe ? latencyStats(await probe.stop(), probe.errorCount, probe.loopMaxMs) : latencyStats([], 0, 0);
    const submitted = Number((await db('tasks').where({ id: taskId }).first('submitted_count')).submitted_count);
    await dispatcher.stop();
    return { ms, cpuMs, submitted, tasks };
  } finally {
    await pool?.stop();
    if (server) await new Promise((resolve) => server!.close(resolve));
    await checkpointer?.stop();
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
