/**
 * The WAL suite of `npm run bench` (issue 9, section 4, "The WAL stays bounded"), against the dispatch suite's app
 * (dispatch-app.ts: the real app, ticker, dispatcher and stub carrier, receipts at once) with the WAL checkpointer
 * thread running and the connection's automatic checkpoint off, as src/server.ts runs them:
 * 1. one 100,000-message send plus its receipts: the -wal file's size sampled every 50 ms from the import to
 *    15 s after the last receipt (its largest must stay ≤ 64 MB); then the task details page's p95 (< 50 ms);
 * 2. a soak of five such sends in a row (tasks kept): the largest WAL over the five (≤ 64 MB), and GET /tasks p95
 *    15 s after each send's last receipt (< 50 ms).
 * Exits 0 whatever the figures are. BENCH_ROWS and BENCH_SOAK override the size and the number of soak sends.
 */
import fs from 'node:fs';
import os from 'node:os';
import { confirmOverHttp, postImport } from './server';
import { LatencyProbe, latencyStats, type LatencyStats } from './probes';
import { fmtMb, fmtMs, log, table, verdict } from './report';
import { receiptsOutstanding, recipientsCsv, startDispatchServer, taskRow, waitFor, type DispatchServer } from './dispatch-app';
import { saveSettings } from '../../src/services/settings.service';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer';
import { createLogger } from '../../src/log';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SOAK = Number(process.env.BENCH_SOAK ?? 5);
const QUIET_AFTER_MS = 15_000;
const PROBE_MS = 5000;
const TARGET = { walMb: 64, p95Ms: 50 };
const MB = 1024 * 1024;

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The -wal file's size every `everyMs`, from a timer of this process (the app's own event loop), with the largest
 * per phase (import, confirm, dispatch, receipts, quiet) so a miss says where the log grew.
 */
class WalSampler {
  private timer: NodeJS.Timeout | undefined;
  largest = 0;
  private phaseLargest = 0;
  private readonly phases: string[] = [];
  constructor(readonly file: string) {}
  size(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }
  private sample(): void {
    const size = this.size();
    this.largest = Math.max(this.largest, size);
    this.phaseLargest = Math.max(this.phaseLargest, size);
  }
  start(everyMs = 50): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }
  /** Ends a phase: its largest size is noted. */
  mark(phase: string): void {
    this.sample();
    this.phases.push(`${phase} ${(this.phaseLargest / MB).toFixed(0)}`);
    this.phaseLargest = 0;
  }
  get phaseLine(): string {
    return this.phases.join(', ') + ' MB';
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.largest;
  }
}

interface Send {
  taskId: string;
  walMaxMb: number;
  walAfterMb: number;
  dispatchMs: number;
  receiptsMs: number;
}

/** Import, confirm, wait for completed and for every receipt, then QUIET_AFTER_MS; the WAL sampled all along. */
async function oneSend(s: DispatchServer, csv: Buffer, wal: WalSampler, label: string): Promise<Send> {
  const sampler = new WalSampler(wal.file).start();
  const draft = await postImport(s, csv, 'wal.csv');
  sampler.mark('import');
  const { sentAt, taskId } = await confirmOverHttp(s, draft.taskId);
  sampler.mark('confirm');
  await waitFor('the task to complete', () => (taskRow(s, taskId).status === 'completed' ? true : undefined), 900_000, 20);
  sampler.mark('dispatch');
  const dispatchMs = Date.now() - sentAt;
  const r0 = Date.now();
  await waitFor('the receipts', () => (receiptsOutstanding(s, taskId) === 0 ? true : undefined), 900_000, 50);
  sampler.mark('receipts');
  const receiptsMs = Date.now() - r0;
  await sleep(QUIET_AFTER_MS);
  sampler.mark('quiet');
  const walMax = sampler.stop();
  wal.largest = Math.max(wal.largest, walMax);
  const send = { taskId, walMaxMb: walMax / MB, walAfterMb: sampler.size() / MB, dispatchMs, receiptsMs };
  log(`  ${label}: confirm → completed ${fmtMs(dispatchMs)}, receipts ${fmtMs(receiptsMs)} more; WAL largest ${(walMax / MB).toFixed(1)} MB, ${(send.walAfterMb).toFixed(1)} MB ${QUIET_AFTER_MS / 1000} s after (load ${loadavg()})`);
  log(`    WAL largest by phase: ${sampler.phaseLine}`);
  return send;
}

async function p95Of(s: DispatchServer, path: string): Promise<LatencyStats> {
  const probe = new LatencyProbe(s.admin, path, 10).start();
  await sleep(PROBE_MS);
  const st = latencyStats(await probe.stop(), probe.errorCount, probe.loopMaxMs);
  log(`    GET ${path}: n=${st.count} p50 ${fmtMs(st.p50)} p95 ${fmtMs(st.p95)} max ${fmtMs(st.max)}${st.errors ? `, ${st.errors} FAILED (${probe.firstError})` : ''}`);
  return st;
}

/** The WAL suite; prints its table. */
export async function runWalBench(): Promise<void> {
  const started = performance.now();
  log(`qunfa WAL bench: ${ROWS} messages a send, soak of ${SOAK}, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}`);
  const s = await startDispatchServer();
  const file = s.t.config.databaseFile;
  // As src/server.ts runs it: the thread checkpoints, the connection does not.
  await s.t.db.raw('pragma wal_autocheckpoint = 0');
  const checkpointer = startWalCheckpointer(s.t.db, file, createLogger('error', (l) => s.logLines.push(l)));
  if (s.limits.importMaxRows < ROWS) await saveSettings(s.t.db, { importMaxRows: ROWS, importMaxBytes: 64 * 1048576 });
  const csv = recipientsCsv(ROWS);
  const wal = new WalSampler(file + '-wal');
  const rows: string[][] = [];
  try {
    log('one send:');
    const one = await oneSend(s, csv, wal, 'send 1');
    const details = await p95Of(s, `/tasks/${one.taskId}`);
    rows.push(['one send: largest WAL', `${one.walMaxMb.toFixed(1)} MB`, `≤ ${TARGET.walMb} MB`, verdict(one.walMaxMb <= TARGET.walMb)]);
    rows.push([`details page p95, ${QUIET_AFTER_MS / 1000} s after the last receipt`, fmtMs(details.p95), `< ${TARGET.p95Ms} ms`, verdict(details.p95 < TARGET.p95Ms && details.errors === 0)]);
    log(`soak: ${SOAK} sends in a row (the first above counts as the first)`);
    const soakWal = [one.walMaxMb];
    const lists: LatencyStats[] = [await p95Of(s, '/tasks')];
    for (let i = 2; i <= SOAK; i += 1) {
      const send = await oneSend(s, csv, wal, `send ${i}`);
      soakWal.push(send.walMaxMb);
      lists.push(await p95Of(s, '/tasks'));
    }
    const worstWal = Math.max(...soakWal);
    const worstList = Math.max(...lists.map((l) => l.p95));
    const dbMb = fs.statSync(file).size / MB;
    rows.push([`soak of ${SOAK}: largest WAL`, `${worstWal.toFixed(1)} MB (database ${fmtMb(dbMb)})`, `≤ ${TARGET.walMb} MB`, verdict(worstWal <= TARGET.walMb)]);
    rows.push([`soak: GET /tasks p95 after each send (worst)`, `${lists.map((l) => l.p95.toFixed(0)).join(', ')} ms (${fmtMs(worstList)})`, `< ${TARGET.p95Ms} ms`, verdict(worstList < TARGET.p95Ms && lists.every((l) => l.errors === 0))]);
  } finally {
    await checkpointer.stop();
    await s.close();
  }
  const failures = s.logLines.filter((l) => l.includes('"level":"error"'));
  if (failures.length) log(`app errors logged: ${failures.length}, first: ${failures[0].slice(0, 300)}`);
  log('');
  log(table(['measure', 'figure', 'target', ''], rows));
  log(`load average at the end: ${loadavg()}; suite took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
