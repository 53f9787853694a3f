/**
 * The import suite of `npm run bench` (issue 3, "Performance"): a 100,000-row import through the real app over HTTP, as .xlsx and as
 * .csv, against the floor measured in the same run, with peak RSS and GET /tasks latency during the imports.
 * Exits 0 whatever the figures are; only a crash exits non-zero. BENCH_ROWS and BENCH_RUNS override the sizes.
 *
 * Order: (1) imports while GET /tasks is hit every 10 ms, for the latency and the RSS (before any floor has run,
 * so the RSS is the app's and the harness's only); (2) imports with no other traffic, each followed by a floor
 * run, so that the load of a shared machine weighs on an import and on its floor alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { runFloor, type FloorRun } from './floor';
import { startServer, postImport, dropDraft, type BenchServer } from './server';
import { RssSampler, LatencyProbe, latencyStats, median, type LatencyStats, type RssStats } from './probes';
import { fmtMb, fmtMs, fmtRatio, log, table, verdict, type Cell } from './report';
import { generateInputsInChild, SIGNATURE, TEMPLATE_2VARS } from './inputs';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET = { xlsxRatio: 1.3, csvMs: 1000, rssMb: 400, p95Ms: 100 };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

type Kind = 'csv' | 'xlsx';

interface KindResult {
  /** Wall times with no other traffic. */
  importMs: number[];
  /** Wall times while GET /tasks is hit. */
  probedMs: number[];
  floor: FloorRun[];
  /** RSS of the probed runs. */
  rss: RssStats[];
  latencies: number[];
  errors: number;
  firstError?: string;
  loopMaxMs: number;
}

const newResult = (): KindResult => ({ importMs: [], probedMs: [], floor: [], rss: [], latencies: [], errors: 0, loopMaxMs: 0 });

function loadavg(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** The worker's resourceLimits as written in src/imports/import-worker.ts (not exported, so read from the source). */
function workerLimits(): string {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'imports', 'import-worker.ts'), 'utf8');
  const m = /RESOURCE_LIMITS\s*=\s*(\{[^}]*\})/.exec(source);
  return m ? `resourceLimits ${m[1].replace(/\s+/g, ' ')}` : 'resourceLimits: not found';
}

async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
}

/** One import through the app with RSS sampled and, if `probed`, GET /tasks hit meanwhile; returns its wall time. */
async function oneImport(s: BenchServer, kind: Kind, buf: Buffer, name: string, i: number, into: KindResult, probed: boolean): Promise<number> {
  await settle();
  const rss = new RssSampler(20).start();
  const probe = probed ? new LatencyProbe(s.admin, '/tasks', 10).start() : undefined;
  const result = await postImport(s, buf, name);
  const latencies = probe ? await probe.stop() : [];
  const mem = rss.stop();
  let line = `  ${kind} import #${i + 1}: ${fmtMs(result.ms)}, ${result.messages} messages stored, RSS peak ${fmtMb(mem.peakMb)} (+${fmtMb(mem.growthMb)})`;
  if (probe) {
    into.rss.push(mem);
    into.latencies.push(...latencies);
    into.errors += probe.errorCount;
    into.firstError ??= probe.firstError;
    into.loopMaxMs = Math.max(into.loopMaxMs, probe.loopMaxMs);
    const st = latencyStats(latencies, probe.errorCount, probe.loopMaxMs);
    line += `, GET /tasks n=${st.count} p50 ${fmtMs(st.p50)} p95 ${fmtMs(st.p95)} max ${fmtMs(st.max)}, event loop blocked up to ${fmtMs(st.loopMaxMs)}`;
    if (probe.firstError) line += `; GET /tasks FAILED ${probe.errorCount}× (${probe.firstError})`;
  }
  log(line);
  if (result.messages !== ROWS) throw new Error(`expected ${ROWS} messages, stored ${result.messages}`);
  await dropDraft(s, result.taskId);
  return result.ms;
}

async function oneFloor(kind: Kind, buf: Buffer, dir: string, i: number, into: KindResult): Promise<void> {
  await settle();
  const run = await runFloor(kind, buf, { signature: SIGNATURE, templateContent: TEMPLATE_2VARS }, dir, i);
  if (run.valid !== ROWS) throw new Error(`floor ${kind}: expected ${ROWS} valid rows, got ${run.valid}`);
  into.floor.push(run);
  const p = run.parts;
  log(`  ${kind} floor  #${i + 1}: ${fmtMs(run.totalMs)} (read ${fmtMs(p.read)}, rows ${fmtMs(p.rows)}, check ${fmtMs(p.check)}, insert ${fmtMs(p.insert)})`);
}

function summary(kind: Kind, r: KindResult): { rows: Cell[][]; pass: boolean[] } {
  const imp = median(r.importMs);
  const floor = median(r.floor.map((f) => f.totalMs));
  const ratio = imp / floor;
  const peak = Math.max(...r.rss.map((m) => m.peakMb));
  const growth = Math.max(...r.rss.map((m) => m.growthMb));
  const lat = latencyStats(r.latencies, r.errors, r.loopMaxMs);
  const part = (k: keyof FloorRun['parts']) => fmtMs(median(r.floor.map((f) => f.parts[k])));
  const list = (xs: number[]) => `[${xs.map((m) => m.toFixed(0)).join(', ')}]`;
  const importOk = kind === 'xlsx' ? ratio <= TARGET.xlsxRatio : imp < TARGET.csvMs;
  const rows: Cell[][] = [
    [kind, 'import wall time (upload → 303), median, alone', `${fmtMs(imp)}  ${list(r.importMs)}`, kind === 'xlsx' ? `≤ ${TARGET.xlsxRatio}× floor` : `< ${fmtMs(TARGET.csvMs)}`, verdict(importOk)],
    [kind, '  same, while GET /tasks is hit', `${fmtMs(median(r.probedMs))}  ${list(r.probedMs)}`, '(info)', ''],
    [kind, 'floor (read + check + raw insert), median', `${fmtMs(floor)}  ${list(r.floor.map((f) => f.totalMs))}`, '', ''],
    [kind, '  floor parts: read / rows / check / insert', `${part('read')} / ${part('rows')} / ${part('check')} / ${part('insert')}`, '', ''],
    [kind, 'ratio import / floor', fmtRatio(ratio), kind === 'xlsx' ? `≤ ${TARGET.xlsxRatio}×` : '(info)', kind === 'xlsx' ? verdict(importOk) : ''],
    [kind, 'peak RSS during import (process incl. worker)', `${fmtMb(peak)} (growth +${fmtMb(growth)} over ${fmtMb(r.rss[0].baselineMb)})`, `< ${TARGET.rssMb} MB`, verdict(peak < TARGET.rssMb)],
    [kind, 'GET /tasks during import p50 / p95 / max', `${fmtMs(lat.p50)} / ${fmtMs(lat.p95)} / ${fmtMs(lat.max)} (n=${lat.count}, errors ${lat.errors}${r.firstError ? `: ${r.firstError}` : ''})`, `p95 < ${TARGET.p95Ms} ms`, verdict(lat.p95 < TARGET.p95Ms)],
    [kind, 'main event loop longest block', fmtMs(lat.loopMaxMs), '', ''],
  ];
  return { rows, pass: [importOk, peak < TARGET.rssMb, lat.p95 < TARGET.p95Ms] };
}

/** The import suite (issue 3); prints its table. */
export async function runImportsBench(): Promise<void> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-'));
  log(`qunfa import bench: ${ROWS} rows, ${RUNS} runs each, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}, tmp ${dir}`);
  const inputs = generateInputsInChild(dir, ROWS);
  log(`inputs generated in ${fmtMs(inputs.generateMs)}: xlsx ${(inputs.xlsxBytes / 1048576).toFixed(2)} MB, csv ${(inputs.csvBytes / 1048576).toFixed(2)} MB`);
  const files: [Kind, Buffer][] = [['csv', fs.readFileSync(inputs.csvPath)], ['xlsx', fs.readFileSync(inputs.xlsxPath)]];
  const names: Record<Kind, string> = { csv: path.basename(inputs.csvPath), xlsx: path.basename(inputs.xlsxPath) };

  const s = await startServer(Math.max(inputs.xlsxBytes, inputs.csvBytes), ROWS);
  const l = s.limits;
  log(`app listening on ${s.base} (file-backed SQLite); import limits ${l.importMaxRows} rows, ${(l.importMaxBytes / 1048576).toFixed(0)} MB${l.raised ? ' (raised for the bench)' : ' (defaults)'}`);
  log(`import worker ${workerLimits()}; it is a thread of this process, so its memory is inside the RSS figures`);
  const results: Record<Kind, KindResult> = { csv: newResult(), xlsx: newResult() };
  let idle: LatencyStats;
  let idleRssMb: number;
  try {
    // Warm-up, not measured: loads the upload, worker and insert code paths once.
    const csv = files[0][1];
    const warm = await postImport(s, csv.subarray(0, csv.indexOf('\n', 2000) + 1), 'warmup.csv');
    await dropDraft(s, warm.taskId);
    await settle();
    idleRssMb = process.memoryUsage().rss / 1048576;
    const idleProbe = new LatencyProbe(s.admin, '/tasks', 10).start();
    await new Promise((r) => setTimeout(r, 1000));
    idle = latencyStats(await idleProbe.stop(), idleProbe.errorCount, idleProbe.loopMaxMs);
    log(`idle: RSS ${fmtMb(idleRssMb)}, GET /tasks with no import p50 ${fmtMs(idle.p50)} p95 ${fmtMs(idle.p95)} (n=${idle.count})`);
    if (idleProbe.firstError) log(`WARNING: GET /tasks fails before any import (${idleProbe.firstError}); its latency figures are not meaningful`);

    for (const [kind, buf] of files) {
      log(`${kind}, imports while GET /tasks is hit every 10 ms:`);
      for (let i = 0; i < RUNS; i += 1) results[kind].probedMs.push(await oneImport(s, kind, buf, names[kind], i, results[kind], true));
    }
    for (const [kind, buf] of files) {
      log(`${kind}, imports alone, each followed by a floor run:`);
      for (let i = 0; i < RUNS; i += 1) {
        results[kind].importMs.push(await oneImport(s, kind, buf, names[kind], i, results[kind], false));
        await oneFloor(kind, buf, dir, i, results[kind]);
      }
    }
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const rows: Cell[][] = [];
  const pass: boolean[] = [];
  for (const kind of ['xlsx', 'csv'] as Kind[]) {
    const part = summary(kind, results[kind]);
    rows.push(...part.rows);
    pass.push(...part.pass);
  }
  const all = latencyStats([...results.xlsx.latencies, ...results.csv.latencies], results.xlsx.errors + results.csv.errors, Math.max(results.xlsx.loopMaxMs, results.csv.loopMaxMs));
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  rows.push(
    ['all', 'GET /tasks during all imports p50 / p95 / max', `${fmtMs(all.p50)} / ${fmtMs(all.p95)} / ${fmtMs(all.max)} (n=${all.count})`, `p95 < ${TARGET.p95Ms} ms`, verdict(all.p95 < TARGET.p95Ms)],
    ['all', 'process max RSS, whole bench (getrusage)', fmtMb(maxRssMb), '(info)', ''],
    ['-', 'reference: RSS with the app idle (after warm-up)', fmtMb(idleRssMb), '', ''],
    ['-', 'reference: GET /tasks, no import, p50 / p95', `${fmtMs(idle.p50)} / ${fmtMs(idle.p95)} (n=${idle.count})`, '', ''],
  );
  log('');
  log(table(['file', 'measure', 'value', 'target', 'result'], rows));
  log('');
  log(`${pass.filter(Boolean).length}/${pass.length} per-file targets met; load average now ${loadavg()}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
