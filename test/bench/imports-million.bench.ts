/**
 * Issue 15's million-row rows of the imports suite: a 1,000,000-row .xlsx and .csv imported through the production
 * server (upload → check page shown), the app process's peak RSS (VmHWM, its worker threads included), and the
 * confirm of 1,000,000 recipients while another user loads `GET /tasks` every 10 ms (its p95). One run each: the
 * inputs alone take half a minute to write. `BENCH_MILLION=0` leaves this part out; `BENCH_MILLION_ROWS` changes the size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, postImport, dropDraft, confirmOverHttp, type ProcessServer } from './server';
import { RssSampler, LatencyProbe, latencyStats, procCpuMs, procMemory } from './probes';
import { toLocalInputValue } from '../../src/time/zoned-time';
import { fmtMb, fmtMs, log, table, verdict, type Cell } from './report';
import { generateInputsInChild, makeRows, writeCsv } from './inputs';
import { errorLines } from '../helpers/app-process';

const ROWS = Number(process.env.BENCH_MILLION_ROWS ?? 1_000_000);
const TARGET = { xlsxMs: 8000, csvMs: 4000, rssMb: 600, confirmMs: 4000, p95Ms: 100 };
/** Scheduled a week ahead, as in imports.bench.ts: the confirm moves the rows and the dispatcher finds nothing due. */
const SCHEDULE_AHEAD_MS = 7 * 86_400_000;

/** Another user's small import, confirmed while the million-row confirm runs. */
const SMALL_ROWS = 100;
const SMALL_CONFIRM_AFTER_MS = 1000;

async function importOnce(s: ProcessServer, file: string, rows = ROWS): Promise<{ ms: number; taskId: string; peakMb: number; messages: number }> {
  const buf = fs.readFileSync(file);
  await new Promise((r) => setTimeout(r, 1000));
  const rss = new RssSampler(20, s.pid).start();
  const sendAt = toLocalInputValue(new Date(Date.now() + SCHEDULE_AHEAD_MS), s.timeZone);
  const result = await postImport(s, buf, path.basename(file), { sendAt, showCheckPage: true });
  const mem = rss.stop();
  if (result.messages !== rows) throw new Error(`expected ${rows} recipients in the draft, stored ${result.messages}`);
  return { ms: result.ms, taskId: result.taskId, peakMb: mem.peakMb, messages: result.messages };
}

/** Runs the million-row cases; returns their table rows (the imports suite prints them with its own). */
export async function runMillionCases(): Promise<Cell[][]> {
  if (process.env.BENCH_MILLION === '0') return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-million-'));
  const label = ROWS.toLocaleString('en');
  log(`million-row cases (issue 15): ${label} rows, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const inputs = generateInputsInChild(dir, ROWS);
  log(`  inputs written in ${fmtMs(inputs.generateMs)}: xlsx ${(inputs.xlsxBytes / 1048576).toFixed(1)} MB, csv ${(inputs.csvBytes / 1048576).toFixed(1)} MB`);
  const s = await startServer(Math.max(inputs.xlsxBytes, inputs.csvBytes), ROWS);
  const rows: Cell[][] = [];
  try {
    const idleMb = procMemory(s.pid).rss / 1048576;
    const xlsx = await importOnce(s, inputs.xlsxPath);
    log(`  xlsx: check page shown after ${fmtMs(xlsx.ms)}, app RSS peak ${fmtMb(xlsx.peakMb)} (idle ${fmtMb(idleMb)})`);

    // Issue 15: another user's small confirm during the large one (in parts: it waits for one part, not all of them).
    const smallCsv = path.join(dir, 'small.csv');
    writeCsv(makeRows(SMALL_ROWS, 7), smallCsv);
    const small = await importOnce(s, smallCsv, SMALL_ROWS);

    const probe = new LatencyProbe(s.admin, '/tasks', 10).start();
    const confirmRss = new RssSampler(20, s.pid).start();
    // The app's CPU time (its threads included) for the confirm: less moved by the machine's load than the wall time.
    const cpuBefore = procCpuMs(s.pid);
    const confirming = confirmOverHttp(s, xlsx.taskId);
    const smallConfirm = (async () => {
      await new Promise((r) => setTimeout(r, SMALL_CONFIRM_AFTER_MS));
      return confirmOverHttp(s, small.taskId);
    })();
    const confirm = await confirming;
    const confirmCpuMs = procCpuMs(s.pid) - cpuBefore;
    const confirmMem = confirmRss.stop();
    const lat = latencyStats(await probe.stop(), probe.errorCount, NaN);
    const smallMs = (await smallConfirm).ms;
    log(`  confirm: ${fmtMs(confirm.ms)} (answered in ${fmtMs(confirm.answerMs)}; app CPU ${fmtMs(confirmCpuMs)}), GET /tasks meanwhile n=${lat.count} p50 ${fmtMs(lat.p50)} p95 ${fmtMs(lat.p95)} max ${fmtMs(lat.max)}, app RSS peak ${fmtMb(confirmMem.peakMb)}`);
    log(`  a ${SMALL_ROWS}-row confirm ${SMALL_CONFIRM_AFTER_MS / 1000} s into it: ${fmtMs(smallMs)}`);
    await dropDraft(s, (await smallConfirm).taskId);
    const [{ n: moved }] = (await s.db('messages').where({ task_id: confirm.taskId }).count({ n: '*' })) as { n: number }[];
    if (Number(moved) !== ROWS) throw new Error(`the confirm moved ${moved} of ${ROWS} recipients into messages`);
    await dropDraft(s, confirm.taskId);

    const csv = await importOnce(s, inputs.csvPath);
    log(`  csv: check page shown after ${fmtMs(csv.ms)}, app RSS peak ${fmtMb(csv.peakMb)}`);
    await dropDraft(s, csv.taskId);

    rows.push(
      ['xlsx', `${label} rows: upload → check page shown`, fmtMs(xlsx.ms), `< ${fmtMs(TARGET.xlsxMs)}`, verdict(xlsx.ms < TARGET.xlsxMs)],
      ['xlsx', `${label} rows: app peak RSS during the import`, fmtMb(xlsx.peakMb), `< ${TARGET.rssMb} MB`, verdict(xlsx.peakMb < TARGET.rssMb)],
      ['xlsx', `confirm of ${label} (draft → messages)`, fmtMs(confirm.ms), `< ${fmtMs(TARGET.confirmMs)}`, verdict(confirm.ms < TARGET.confirmMs)],
      ['xlsx', '  GET /tasks during that confirm p50 / p95 / max', `${fmtMs(lat.p50)} / ${fmtMs(lat.p95)} / ${fmtMs(lat.max)} (n=${lat.count}, errors ${lat.errors})`, `p95 < ${TARGET.p95Ms} ms`, verdict(lat.p95 < TARGET.p95Ms)],
      ['xlsx', '  app peak RSS during that confirm', fmtMb(confirmMem.peakMb), '(info)', ''],
      ['xlsx', '  app CPU time during that confirm (its threads, GET /tasks served)', fmtMs(confirmCpuMs), '(info)', ''],
      ['csv', `  a ${SMALL_ROWS}-row confirm during that confirm`, fmtMs(smallMs), '(info)', ''],
      ['csv', `${label} rows: upload → check page shown`, fmtMs(csv.ms), `< ${fmtMs(TARGET.csvMs)}`, verdict(csv.ms < TARGET.csvMs)],
      ['csv', `${label} rows: app peak RSS during the import`, fmtMb(csv.peakMb), `< ${TARGET.rssMb} MB`, verdict(csv.peakMb < TARGET.rssMb)],
    );
  } finally {
    const appErrors = errorLines(s.proc);
    if (appErrors.length > 0) log(`  WARNING: the app logged ${appErrors.length} error line(s), the first: ${appErrors[0].slice(0, 300)}`);
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log('');
  log(table(['file', 'measure', 'value', 'target', 'result'], rows));
  return rows;
}

if (require.main === module) {
  // Alone (after `npm run build`): node -r ./test/helpers/register-ts.js test/bench/imports-million.bench.ts
  runMillionCases().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
