import fs from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './log';
import { createDb } from './db/knex';
import { migrateAtStart } from './db/migrate-at-start';
import { startWalCheckpointer } from './db/wal-checkpointer';
import { createApp } from './app';
import { ensureAdminFromEnv } from './services/auth.service';
import { startJobs } from './jobs';
import { Dispatcher } from './services/dispatcher.service';
import { StubCarrier } from './carrier/stub.carrier';
import { CarrierPool } from './services/carrier-pool.service';
import { getSettings } from './services/settings.service';
import { sweepUploadDir } from './middleware/upload-storage';
import { reportEventLoopDelayOnSignal } from './event-loop-report';
import { CarriersFileError, loadCarriersFile } from './services/carriers-file.service';
import { whileHolding } from './db/locks';
import { prepareImportWorker } from './imports/import-worker';
import { collationProblem } from './db/collation-check';
import { unreachableBecause } from './db/postgres';
import { warmOptOutSnapshot } from './services/opt-out-snapshot.service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`qunfa: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Before anything opens it: a database file that is there already is worth a copy before it is migrated. On
  // PostgreSQL (DATABASE_URL) the copies are the database's own business (pg_dump): no file, no copy.
  const databaseExisted = !config.databaseUrl && fs.existsSync(config.databaseFile);
  // No request runs yet: any upload file still there was left by a process that crashed mid-import.
  const leftovers = sweepUploadDir(config.dataDir);
  if (leftovers > 0) logger.info('removed upload files left by an earlier run', { files: leftovers });
  reportEventLoopDelayOnSignal(logger);
  const unreachable = config.databaseUrl ? await unreachableBecause(config.databaseUrl) : null;
  if (unreachable) {
    process.stderr.write(`qunfa: cannot connect to the database of DATABASE_URL: ${unreachable}\n`);
    process.exit(1);
  }
  const db = createDb(config.databaseUrl ?? config.databaseFile, { backgroundCheckpoint: true, poolMax: config.databasePoolMax });
  const checkpointer = config.databaseUrl ? undefined : startWalCheckpointer(db, config.databaseFile, logger);
  // Instances started at once on one PostgreSQL database take turns here: one migrates and creates the first
  // admin, the others then find nothing to do (knex's own migration lock makes the losers crash instead).
  await whileHolding(db, 'qunfa:start-up', () => startUp(db, config, logger, databaseExisted));
  const collation = await collationProblem(db);
  if (collation) {
    process.stderr.write(`qunfa: ${collation}\n`);
    process.exit(1);
  }

  const settings = () => getSettings(db, config);
  const stub = new StubCarrier(db, async () => (await settings()).stubCarrier);
  // Every enabled account's carrier (SMPP accounts bind now); kept in line with /carriers and CARRIERS_FILE at run time.
  const carriers = new CarrierPool(db, { db, secretKey: config.secretKey, logger, stub }, logger);
  await carriers.refresh();
  const dispatcher = new Dispatcher(db, carriers, settings, logger, { leaseMs: config.dispatchLeaseMs });
  const app = createApp({ db, config, logger, wakeDispatcher: () => dispatcher.wake(), carriers });
  const jobs = startJobs(db, logger, { dispatcher, tickSeconds: config.dispatchTickSeconds }, config);
  // Issue 14: the opt-out list in memory for the imports' check, read while the server starts serving.
  warmOptOutSnapshot(db, logger);
  const server: Server = app.listen(config.port, () => {
    logger.info(`Qunfa listening on http://localhost:${config.port}`, { dataDir: config.dataDir, timeZone: config.timeZone });
    // Issue 15: the first import's thread is started now, not when its file arrives.
    prepareImportWorker();
  });
  server.on('error', (err) => {
    logger.error('server failed to start', { error: err.message });
    process.exit(1);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await jobs.stop();
    // After the dispatcher: its batch in flight is answered and recorded first; then each SMPP link unbinds.
    await carriers.stop();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await checkpointer?.stop();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Migrations, the first admin from the environment and CARRIERS_FILE: what one start does before serving. */
async function startUp(db: ReturnType<typeof createDb>, config: Config, logger: Logger, databaseExisted: boolean): Promise<void> {
  if (!(await migrateAtStart(db, config, logger, { databaseExisted }))) process.exit(1);
  await ensureAdminFromEnv(db, config, logger);
  if (config.carriersFile) {
    try {
      const applied = await loadCarriersFile(db, config.secretKey, config.carriersFile);
      logger.info('carrier accounts and routes applied from CARRIERS_FILE', { file: config.carriersFile, ...applied });
    } catch (err) {
      if (!(err instanceof CarriersFileError)) throw err;
      process.stderr.write(`qunfa: ${err.message}\n`);
      process.exit(1);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`qunfa: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
