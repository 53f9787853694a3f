/**
 * `npm run bench -- pg` (issue 13): the app on PostgreSQL, on a throwaway cluster started here (test/pg/cluster.ts,
 * as `npm run test:pg` starts its own; `BENCH_DATABASE_URL` names a server to use instead, a role that may create
 * databases).
 *
 * 1. Dispatch of 100,000 messages (3 tasks) to the stub carrier by 1 and by 3 real server processes, BENCH_RUNS
 *    times each, beside the floor: the same set-based statements in a bare node + pg loop (pg-dispatch.ts).
 *    Targets: 1 instance ≤ 2× the floor; 3 instances faster than 1.
 * 2. The pages suite's cases at 1.45 million messages (pg-pages.ts). Target: every page p95 < 50 ms.
 * Exits 0 whatever the figures are. BENCH_ROWS (100,000), BENCH_RUNS (2), BENCH_SAMPLES (40); BENCH_PG_DISPATCH=0 or
 * BENCH_PG_PAGES=0 leaves that part out.
 */
import os from 'node:os';
import { createDb } from '../../src/db/knex';
import { startCluster, type Cluster } from '../pg/cluster';
import { withDatabase } from '../helpers/test-db';
import { fmtMs, fmtRatio, log, table, verdict, type Cell } from './report';
import { median } from './probes';
import { dispatchFloor, dispatchWith, prepareDispatchDatabase, type DispatchRun } from './pg-dispatch';
import { measurePgPages } from './pg-pages';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const APP_WARMUP = Number(process.env.BENCH_APP_WARMUP ?? 10);
const PAGES = process.env.BENCH_PG_PAGES !== '0';
const DISPATCH = process.env.BENCH_PG_DISPATCH !== '0';
const TARGET = { ratio: 2, p95Ms: 50 };

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (v: number) => (v >= 10 ? fmtMs(v) : `${v.toFixed(2)} ms`);

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = createDb(serverUrl, { poolMax: 1 });
  try {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  return withDatabase(serverUrl, name);
}

async function dispatchPart(serverUrl: string, rows: Cell[][], pass: boolean[]): Promise<void> {
  const url = await createDatabase(serverUrl, 'qunfa_bench_dispatch');
  const db = await prepareDispatchDatabase(url);
  const runs: Record<1 | 3, DispatchRun[]> = { 1: [], 3: [] };
  const floors: number[] = [];
  try {
    for (let i = 0; i < RUNS; i += 1) {
      for (const n of [1, 3] as const) {
        const r = await dispatchWith(db, url, n, ROWS);
        runs[n].push(r);
        log(`  dispatch #${i + 1}, ${n} instance${n > 1 ? 's' : ''}: ${ROWS.toLocaleString('en')} messages, first → last submitted ${ms(r.spanMs)} (${Math.round(ROWS / (r.spanMs / 1000)).toLocaleString('en')}/s), due → all completed ${ms(r.wallMs)}; ${r.owners} instance(s) held a task; load ${load()}`);
        log(`    the instances' connections, sampled every 20 ms (samples — wait event — statement): ${r.activity.map(([what, n]) => `\n      ${n} — ${what}`).join('')}`);
      }
      const f = await dispatchFloor(db, url, ROWS);
      floors.push(f);
      log(`  floor #${i + 1}: ${ms(f)} (${Math.round(ROWS / (f / 1000)).toLocaleString('en')}/s); load ${load()}`);
    }
  } finally {
    await db.destroy();
  }
  const floor = median(floors);
  const one = median(runs[1].map((r) => r.spanMs));
  const three = median(runs[3].map((r) => r.spanMs));
  const list = (xs: number[]) => `[${xs.map((x) => (x / 1000).toFixed(2)).join(', ')} s]`;
  rows.push(['dispatch floor', `bare node + pg loop, batches of ${200}, median ${list(floors)}`, ms(floor), '', '(reference)', '']);
  rows.push(['dispatch, 1 instance', `median ${list(runs[1].map((r) => r.spanMs))}; due → completed ${list(runs[1].map((r) => r.wallMs))}`, ms(one), fmtRatio(one / floor), `≤ ${TARGET.ratio}× floor`, verdict(one / floor <= TARGET.ratio)]);
  rows.push(['dispatch, 3 instances', `median ${list(runs[3].map((r) => r.spanMs))}; due → completed ${list(runs[3].map((r) => r.wallMs))}; owners ${runs[3].map((r) => r.owners).join(', ')}`, ms(three), fmtRatio(three / floor), 'faster than 1 instance', verdict(three < one)]);
  pass.push(one / floor <= TARGET.ratio, three < one);
}

async function pagesPart(serverUrl: string, rows: Cell[][], pass: boolean[]): Promise<void> {
  const url = await createDatabase(serverUrl, 'qunfa_bench_pages');
  const { pages } = await measurePgPages(url, SAMPLES, 5, APP_WARMUP, log);
  for (const p of pages) {
    rows.push(['pages', p.name, `${ms(p.timing.p50)} / ${ms(p.timing.p95)}`, '', `p95 < ${TARGET.p95Ms} ms`, verdict(p.timing.p95 < TARGET.p95Ms)]);
    pass.push(p.timing.p95 < TARGET.p95Ms);
  }
}

export async function runPgBench(): Promise<void> {
  const started = performance.now();
  const given = process.env.BENCH_DATABASE_URL;
  // Buffers sized for the pages data (about 1 GB with its indexes); the rest as `npm run test:pg`'s cluster.
  let cluster: Cluster | undefined;
  if (!given) cluster = await startCluster({ extraOptions: '-c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=16MB' });
  const serverUrl = given ?? cluster!.url;
  log(`qunfa PostgreSQL bench: node ${process.version}, ${os.cpus().length} CPUs, load ${load()}, ${given ? 'server from BENCH_DATABASE_URL' : 'throwaway cluster (fsync off, as test:pg)'}`);
  const rows: Cell[][] = [];
  const pass: boolean[] = [];
  try {
    if (DISPATCH) await dispatchPart(serverUrl, rows, pass);
    if (PAGES) await pagesPart(serverUrl, rows, pass);
  } finally {
    cluster?.stop();
  }
  log('');
  log(table(['what', 'measure', 'value (p50 / p95)', '÷ floor', 'target', 'result'], rows));
  log('');
  log(`${pass.filter(Boolean).length}/${pass.length} targets met; load average now ${load()}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
