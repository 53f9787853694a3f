/**
 * The backup suite of `npm run bench -- backup` (issue 9, "Backups a self-hoster can trust"). On a database file
 * of BENCH_BACKUP_MESSAGES messages (default 300,000), in this process, as the daily job runs in the app (WAL
 * checkpointed by its own thread, as src/server.ts does):
 * 1. the floor: the same writer (a 20-message task a transaction, one after the other) alone for 3 s, and a plain
 *    file copy of the database while nothing writes (the least work that copies the same bytes);
 * 2. `backupDatabase` (src/db/backup.ts, its own thread and connection) while that writer goes on: time, restarts,
 *    the copy's size, the writer's commits per second and the longest stall of this event loop, beside the floor.
 * The copy is checked (integrity_check, every task with all its messages). Exits 0 whatever the figures are.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { backupDatabase } from '../../src/db/backup';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer';
import { createLogger } from '../../src/log';
import { insertTaskRow } from '../helpers/task-rows';
import { addUser } from '../helpers/app';
import { fmtMs, fmtMb, log, table } from './report';

const MESSAGES = Number(process.env.BENCH_BACKUP_MESSAGES ?? 300_000);
/** Under SQLite's 500-term limit on the compound SELECT knex builds for a multi-row insert. */
const PER_TASK = 400;
const WRITE_MS = 3000;

const numbers = (n: number, from: number) => Array.from({ length: n }, (_, i) => `139${String(from + i).padStart(8, '0')}`);
const addTask = (db: Db, count: number, from: number) => db.transaction((trx) => insertTaskRow(trx as unknown as Db, { status: 'completed', phones: numbers(count, from) }));

interface Load {
  commitsPerSecond: number;
  loopMaxMs: number;
  loopP99Ms: number;
}

/** Runs the writer for as long as `work` takes, watching this event loop. */
async function underWrites<T>(db: Db, work: () => Promise<T>): Promise<{ result: T; load: Load; ms: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let writing = true;
  let commits = 0;
  const writer = (async () => {
    for (let i = 0; writing; i += 1) {
      await addTask(db, 20, 50_000_000 + commits * 20);
      commits += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  loop.enable();
  const started = performance.now();
  const result = await work().finally(() => {
    writing = false;
  });
  const ms = performance.now() - started;
  await writer;
  loop.disable();
  return { result, ms, load: { commitsPerSecond: (commits / ms) * 1000, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 } };
}

function checkCopy(file: string): string {
  const copy = new Database(file, { readonly: true });
  try {
    const ok = copy.pragma('integrity_check', { simple: true });
    const torn = (copy.prepare('select count(*) as n from tasks where recipient_count <> (select count(*) from messages m where m.task_id = tasks.id)').get() as { n: number }).n;
    return ok === 'ok' && torn === 0 ? 'whole' : `BROKEN (${ok}, ${torn} torn tasks)`;
  } finally {
    copy.close();
  }
}

export async function runBackupBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-backup-'));
  try {
    const file = path.join(dir, 'qunfa.sqlite');
    // As the server runs it: the WAL copied back by the checkpointer's thread, not inside the writer's commits.
    const db = createDb(file, { backgroundCheckpoint: true });
    await migrateLatest(db);
    const checkpointer = startWalCheckpointer(db, file, createLogger('warn'));
    await addUser(db, 'admin', 'admin');
    log(`backup: building a database of ${MESSAGES.toLocaleString('en')} messages…`);
    for (let done = 0; done < MESSAGES; done += PER_TASK) await addTask(db, PER_TASK, done);

    await db.raw('pragma wal_checkpoint(TRUNCATE)');
    const copyStarted = performance.now();
    fs.copyFileSync(file, path.join(dir, 'plain-copy.sqlite'));
    const plainCopyMs = performance.now() - copyStarted;
    fs.rmSync(path.join(dir, 'plain-copy.sqlite'));

    const floor = await underWrites(db, () => new Promise((resolve) => setTimeout(resolve, WRITE_MS)));
    const target = path.join(dir, 'backup.sqlite');
    const backup = await underWrites(db, () => backupDatabase(file, target));
    const state = checkCopy(target);
    await checkpointer.stop();
    await db.destroy();

    log('');
    log(`backup suite: ${MESSAGES.toLocaleString('en')} messages to start with, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(
      table(
        ['measure', 'floor', 'during the backup'],
        [
          ['time to copy', `${fmtMs(plainCopyMs)} (plain file copy, no writes)`, `${fmtMs(backup.ms)} (${backup.result.restarts} restart(s), ${fmtMb(backup.result.bytes / 1024 / 1024)}, ${state})`],
          ['writer commits / s', floor.load.commitsPerSecond.toFixed(0), backup.load.commitsPerSecond.toFixed(0)],
          ['event loop p99 delay', fmtMs(floor.load.loopP99Ms), fmtMs(backup.load.loopP99Ms)],
          ['event loop longest stall', fmtMs(floor.load.loopMaxMs), fmtMs(backup.load.loopMaxMs)],
        ],
      ),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
