/**
 * The dispatch suite's app: built as src/server.ts builds it (loadConfig, createDb + migrate, StubCarrier,
 * Dispatcher, createApp with the confirm waking the dispatcher, startJobs with the real dispatch loop), listening
 * on 127.0.0.1 with a file-backed database, plus the users and catalogue of the import suite's server, so the
 * import suite's helpers (postImport, dropDraft, Client) work on it unchanged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createDb, migrateLatest } from '../../src/db/knex';
import { createApp } from '../../src/app';
import { startJobs, type Jobs } from '../../src/jobs';
import { Dispatcher } from '../../src/services/dispatcher.service';
import { StubCarrier } from '../../src/carrier/stub.carrier';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { addUser, PASSWORD } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { phones } from '../helpers/tasks';
import { Client } from './client';
import { HEADER, SIGNATURE, TEMPLATE_2VARS } from './inputs';
import type { BenchServer } from './server';

export interface DispatchServer extends BenchServer {
  /** A second, read-only connection for polling: it never queues behind the dispatcher on knex's one connection. */
  reader: Database.Database;
  tickSeconds: number;
  logLines: string[];
}

/** The stub as the brief asks for the bench: no throughput limit, receipts at once, no failures of any kind. */
const QUIET_STUB = { delayMinMs: 0, delayMaxMs: 0, failureMix: {}, throughputPerSecond: 0, errorRate: 0, timeoutRate: 0 };

export async function startDispatchServer(): Promise<DispatchServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-dispatch-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    TZ: 'Asia/Shanghai',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'info',
    DISPATCH_TICK_SECONDS: process.env.DISPATCH_TICK_SECONDS,
    DISPATCH_LEASE_SECONDS: process.env.DISPATCH_LEASE_SECONDS,
  });
  // The app logs as in production (JSON lines at info), into memory rather than onto the bench's table.
  const logLines: string[] = [];
  const logger = createLogger(config.logLevel, (line) => logLines.push(line));
  const db = createDb(config.databaseFile);
  await migrateLatest(db);
  await addUser(db, 'admin', 'admin');
  await addUser(db, 'mia', 'member');
  const signatureId = await approvedSignature(db, SIGNATURE);
  const templateId = await approvedTemplate(db, TEMPLATE_2VARS, 'notification', '发货通知');
  await saveSettings(db, { carrierRatePerSecond: 0, stubCarrier: QUIET_STUB });

  const settings = () => getSettings(db, config);
  const carrier = new StubCarrier(db, async () => (await settings()).stubCarrier);
  const dispatcher = new Dispatcher(db, carrier, settings, logger, { leaseMs: config.dispatchLeaseMs });
  const app = createApp({ db, config, logger, wakeDispatcher: () => dispatcher.wake() });
  const jobs: Jobs = startJobs(db, logger, { dispatcher, tickSeconds: config.dispatchTickSeconds }, config);
  const server = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const member = new Client(base);
  const admin = new Client(base);
  await member.login('mia', PASSWORD);
  await admin.login('admin', PASSWORD);
  const reader = new Database(config.databaseFile, { readonly: true });
  reader.pragma('busy_timeout = 5000');
  const s = await getSettings(db, config);
  return {
    t: { app, db, config, logLines, close: async () => undefined },
    server,
    base,
    signatureId,
    templateId,
    member,
    admin,
    limits: { importMaxRows: s.importMaxRows, importMaxBytes: s.importMaxBytes, raised: false },
    reader,
    tickSeconds: config.dispatchTickSeconds,
    logLines,
    async close() {
      reader.close();
      await jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The send form's import file: `rows` distinct numbers ending in 7 (none hits the stub's fixed outcomes). */
export function recipientsCsv(rows: number): Buffer {
  const lines = [HEADER.join(',')];
  phones(rows, '1391').forEach((p, i) => lines.push(`${p},客户${i % 997},SF${String(1e12 + i)}`));
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls (every `everyMs`) until `probe` returns a value, at most `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface TaskRow {
  status: string;
  completed_at: string | null;
  started_at: string | null;
  send_at: string | null;
  submitted_count: number;
}

export function taskRow(s: DispatchServer, taskId: string): TaskRow {
  return s.reader.prepare('SELECT status, completed_at, started_at, send_at, submitted_count FROM tasks WHERE id = ?').get(taskId) as TaskRow;
}

/** Non-zero while the stub owes receipts or the task has messages without a final state (its counters, not a scan). */
export function receiptsOutstanding(s: DispatchServer, taskId: string): number {
  const ledger = s.reader.prepare('SELECT EXISTS (SELECT 1 FROM stub_carrier_ledger WHERE reported_at IS NULL) AS n').get() as { n: number };
  const task = s.reader
    .prepare('SELECT recipient_count - delivered_count - failed_count - rejected_count - cancelled_count AS n FROM tasks WHERE id = ?')
    .get(taskId) as { n: number };
  return ledger.n + task.n;
}

/** Removes a finished task, its rows and the stub's ledger, so every run starts from the same-sized tables. */
export async function dropSent(s: DispatchServer, taskId: string): Promise<void> {
  await s.t.db('tasks').where({ id: taskId }).delete();
  await s.t.db('stub_carrier_ledger').delete();
  await s.t.db('orphan_receipts').delete();
}
