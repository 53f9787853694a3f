/**
 * The pages suite of `npm run bench` (issue 5, "Performance"): the task list and the task details at scale, through
 * the real app over HTTP, each page beside its floor measured in the same run (pages-floor.ts), then the exports.
 *
 * Data (pages-seed.ts): 2,000 tasks, one of 1,000,000 messages and three of 100,000, about 1.45 million messages,
 * written with raw prepared inserts into a migrated file, on which the app is then started. Deep pages are reached
 * by following each page's own "next" link. Exits 0 whatever the figures are; only a crash exits non-zero.
 * BENCH_SAMPLES (40), BENCH_DEEP_PAGES (200), BENCH_APP_WARMUP (10) and BENCH_EXPORT_RUNS (3) override the sizes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { makeTestApp, addUser, PASSWORD } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { createDb, migrateLatest } from '../../src/db/knex';
import { Client } from './client';
import { fmtMb, fmtMs, fmtRatio, log, table, verdict, type Cell } from './report';
import { seedPagesDbInChild, SEARCH_PHONE, phoneOf, type Catalogue } from './pages-seed';
import { PagesFloor, listFloor, detailFloor, isFullScan, replayOf, type FloorQuery } from './pages-floor';
import { appQueries, download, follow, getPage, measurePage, sampleGet, type Download } from './pages-http';
import { median } from './probes';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const WARMUP = 5;
/**
 * Rounds over every case's first page before any is measured. A server that has been up a while runs its request
 * path (express, sessions, knex, the templates) as code V8 has optimised; right after a start it does not yet, and
 * without these rounds the cases measured first paid for it (a page measured first took up to 0.5 ms more than the
 * same page measured after the others).
 */
const APP_WARMUP = Number(process.env.BENCH_APP_WARMUP ?? 10);
const DEEP = Number(process.env.BENCH_DEEP_PAGES ?? 200);
const EXPORT_RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 3);
const TARGET = { p95Ms: 50, ratio: 3, csvMs: 3000, csvRssMb: 100, xlsxMs: 10_000 };

/** Sub-millisecond figures matter here (a floor is often 0.1 ms). */
const ms = (v: number) => (v >= 10 ? fmtMs(v) : `${v.toFixed(2)} ms`);

export interface PageCase {
  group: 'list' | 'details';
  name: string;
  start: string;
  /** "next" links to follow before the measured page (49 = page 50). */
  hops: number;
}

/** The users, signatures and templates the seed draws from, in a migrated database (SQLite here, or PostgreSQL: pg-pages.ts). */
export async function createCatalogue(knex: Knex): Promise<{ catalogue: Catalogue; memberId: number }> {
  const userIds = [await addUser(knex, 'admin', 'admin')];
  for (const name of ['mia', 'leo', 'zoe', 'kai']) userIds.push(await addUser(knex, name, 'member'));
  const signatures = [];
  for (const name of ['顺丰速运', '京东物流', '招商银行']) signatures.push({ id: await approvedSignature(knex, name), name });
  const templates = [];
  for (const [name, smsType, content] of [
    ['发货通知', 'notification', '尊敬的{1}，您的订单{2}已发货，请注意查收。'],
    ['签收提醒', 'notification', '{1}您好，您的包裹{2}已由本人签收，如有疑问请联系客服。'],
    ['登录验证码', 'verification', '您的验证码为{2}，{1}请勿泄露给他人，5分钟内有效。'],
    ['双十一大促', 'marketing', '{1}您好，双十一大促全场五折起，订单{2}可叠加优惠券，详情请访问官方网站或致电客服热线，回复TD退订。'],
  ] as const) {
    templates.push({ id: await approvedTemplate(knex, content, smsType, name), name, smsType, content });
  }
  // Half the tasks are mia's, so her "created by" list has about 50 pages of 20.
  return { catalogue: { userIds, userWeights: [0.15, 0.5, 0.15, 0.1, 0.1], signatures, templates }, memberId: userIds[1] };
}

async function setUp(dir: string): Promise<{ file: string; catalogue: Catalogue; memberId: number }> {
  const file = path.join(dir, 'qunfa.sqlite');
  const knex = createDb(file);
  await migrateLatest(knex);
  const made = await createCatalogue(knex);
  await knex.destroy();
  return { file, ...made };
}

export function cases(bigTaskId: string, memberId: number): PageCase[] {
  const list = (name: string, query: string, hops = 0): PageCase => ({ group: 'list', name, start: `/tasks${query}`, hops });
  const details = (name: string, query: string, hops = 0): PageCase => ({ group: 'details', name, start: `/tasks/${bigTaskId}${query}`, hops });
  const all = `?status=completed&smsType=notification&createdBy=${memberId}`;
  return [
    list('/tasks first page', ''),
    list('/tasks page 50', '', 49),
    list('status=completed first page', '?status=completed'),
    list('status=completed page 50', '?status=completed', 49),
    list('status=sending (5 tasks)', '?status=sending'),
    list('smsType=notification first page', '?smsType=notification'),
    list('smsType=notification page 50', '?smsType=notification', 49),
    list('createdBy=mia first page', `?createdBy=${memberId}`),
    list('createdBy=mia page 50', `?createdBy=${memberId}`, 49),
    list('status+smsType+createdBy first page', all),
    list('status+smsType+createdBy last page (≤ 50)', all, 49),
    list(`q=<phone> (tasks that sent to ${SEARCH_PHONE})`, `?q=${SEARCH_PHONE}`),
    list(`q=${SEARCH_PHONE.slice(0, 7)} (first 7 digits)`, `?q=${SEARCH_PHONE.slice(0, 7)}`),
    list('q=186 (first 3 digits, wide)', '?q=186'),
    details('1M task first page', ''),
    details(`1M task page ${DEEP}`, '', DEEP - 1),
    details('1M task status=failed first page', '?status=failed'),
    details('1M task status=failed page 50', '?status=failed', 49),
    details('1M task phone=138 (wide prefix) first page', '?phone=138'),
    details('1M task phone=138 page 50', '?phone=138', 49),
    details('1M task phone=1380 (≈ 7,500 numbers) first page', '?phone=1380'),
    details('1M task phone=1380013 (narrow prefix)', '?phone=1380013'),
    details('1M task phone=<whole number>', `?phone=${phoneOf(424_242)}`),
    details('1M task phone=*<last 4 digits>', `?phone=*${phoneOf(424_242).slice(-4)}`),
    details('1M task phone=*<last 6 digits>', `?phone=*${phoneOf(424_242).slice(-6)}`),
  ];
}

function printPlans(title: string, queries: readonly FloorQuery[] | readonly { sql: string; bindings: unknown[] }[], floor: PagesFloor, seen: Set<string>): number {
  let scans = 0;
  for (const q of queries) {
    const params = 'params' in q ? q.params : q.bindings;
    if (seen.has(q.sql) || !/\b(tasks|messages)\b/.test(q.sql)) continue;
    seen.add(q.sql);
    const plan = floor.plan(q.sql, params);
    scans += plan.filter(isFullScan).length;
    log(`  ${title} ${q.sql.length > 220 ? q.sql.slice(0, 217) + '…' : q.sql}`);
    for (const line of plan) log(`    ${line}${isFullScan(line) ? '   <-- FULL SCAN' : ''}`);
  }
  return scans;
}

function exportRows(kind: 'csv' | 'xlsx', runs: Download[]): { rows: Cell[][]; pass: boolean[] } {
  const times = runs.map((r) => r.ms);
  const growth = Math.max(...runs.map((r) => r.rss.growthMb));
  const peak = Math.max(...runs.map((r) => r.rss.peakMb));
  const list = `[${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s]`;
  const limit = kind === 'csv' ? TARGET.csvMs : TARGET.xlsxMs;
  const slowest = Math.max(...times);
  const rows: Cell[][] = [
    [`export ${kind}`, `100,000 rows, download time (slowest of ${runs.length}) ${list}`, ms(slowest), '', '', '', `< ${limit / 1000} s`, verdict(slowest < limit)],
    [`export ${kind}`, 'time to first byte (median)', ms(median(runs.map((r) => r.ttfbMs))), '', '', '', '(info)', ''],
    [`export ${kind}`, 'size', `${(runs[0].bytes / 1048576).toFixed(1)} MB${kind === 'csv' ? `, ${runs[0].lines.toLocaleString('en')} lines` : ''}`, '', '', '', '(info)', ''],
    [`export ${kind}`, 'peak RSS growth during download (max)', `+${fmtMb(growth)} (peak ${fmtMb(peak)})`, '', '', '', kind === 'csv' ? `< ${TARGET.csvRssMb} MB` : '(info)', kind === 'csv' ? verdict(growth < TARGET.csvRssMb) : ''],
  ];
  return { rows, pass: kind === 'csv' ? [slowest < limit, growth < TARGET.csvRssMb] : [slowest < limit] };
}

/** The pages suite (issue 5); prints its table. */
export async function runPagesBench(): Promise<void> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-pages-'));
  log(`qunfa pages bench: node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, tmp ${dir}`);
  try {
    await runPages(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function runPages(dir: string): Promise<void> {
  const { file, catalogue, memberId } = await setUp(dir);
  const seed = seedPagesDbInChild(file, catalogue);
  log(`seeded ${seed.tasks} tasks and ${seed.messages.toLocaleString('en')} messages in ${(seed.ms / 1000).toFixed(1)} s (file ${(fs.statSync(file).size / 1048576).toFixed(0)} MB); 1M task ${seed.bigTaskId}, 100k tasks ${seed.hundredKTaskIds.join(', ')}`);

  const t = await makeTestApp({ file: true, env: { dataDir: dir, databaseFile: file } });
  const server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = new Client(base);
  await admin.login('admin', PASSWORD);
  const floor = new PagesFloor(file);
  const rows: Cell[][] = [];
  const pass: boolean[] = [];
  const seenPlans = new Set<string>();
  let scans = 0;
  try {
    log(`app on ${base}; ${APP_WARMUP} rounds over every case's first page, then ${SAMPLES} samples per page after ${WARMUP} warm-up requests; times are request sent → last byte`);
    for (let i = 0; i < APP_WARMUP; i += 1) for (const c of cases(seed.bigTaskId, memberId)) await getPage(admin, c.start);
    for (const c of cases(seed.bigTaskId, memberId)) {
      const reached = await follow(admin, c.start, c.hops);
      const url = new URL(reached.path, base);
      const index = c.group === 'details' ? floor.chooseIndex(seed.bigTaskId, url) : undefined;
      const queries = c.group === 'list' ? listFloor(url, 1) : detailFloor(url, seed.bigTaskId, index!);
      // The statements the app sends for this page (session, user, settings, … the session's expiry update), to replay raw.
      const app = await appQueries(t.db, admin, reached.path);
      const m = await measurePage(admin, floor, reached.path, queries, replayOf(app.queries), SAMPLES, WARMUP);
      const rowsQuery = queries.findIndex((q) => q.label === 'rows');
      const floorIds = (m.floorRows[rowsQuery] as { id: string | number }[]).map((r) => String(r.id)).slice(0, m.shown.length);
      const per = Number(queries[rowsQuery].params.at(-1)) - 1;
      const expected = Math.min(per, m.floorRows[rowsQuery].length);
      if (m.shown.length !== expected || expected === 0 || floorIds.join() !== m.shown.join()) throw new Error(`${c.name}: the page shows ${m.shown.length} rows that differ from the floor's (${reached.path})`);
      const ratio = m.page.p50 / m.floor.p50;
      const page = c.hops > 0 ? ` [page ${reached.hops + 1}]` : '';
      log(`  ${c.group} ${c.name}${page}: ${reached.path} — page p50 ${ms(m.page.p50)} p95 ${ms(m.page.p95)}; floor p50 ${ms(m.floor.p50)}; app ran ${app.queries.length} queries, ${ms(app.knexMs)} in knex${index ? `; index ${index}` : ''}`);
      const fast = m.page.p95 < TARGET.p95Ms;
      const near = ratio <= TARGET.ratio;
      const result = fast && near ? 'PASS' : `MISS (${[fast ? '' : 'p95', near ? '' : 'ratio'].filter(Boolean).join(', ')})`;
      rows.push([c.group, `${c.name}${c.hops > 0 && reached.hops !== c.hops ? ` (page ${reached.hops + 1})` : ''}`, `${ms(m.page.p50)} / ${ms(m.page.p95)}`, `${ms(m.floor.p50)} / ${ms(m.floor.p95)}`, fmtRatio(ratio), `${ms(m.replay.p50)} (${app.queries.length})`, `p95 < ${TARGET.p95Ms} ms, ≤ ${TARGET.ratio}×`, result]);
      pass.push(fast, near);
      printPlans('floor', queries, floor, seenPlans);
      scans += printPlans('app', app.queries, floor, seenPlans);
    }

    // What every request costs before its page's own work: no session (/healthz, one query), and signed in (the
    // progress JSON: session, user and settings lookups, the session's rolling expiry, one query, no HTML).
    for (const [name, p] of [['GET /healthz (no session, 1 query)', '/healthz'], ['GET /tasks/progress?ids=<1M task> (signed in, JSON)', `/tasks/progress?ids=${seed.bigTaskId}`]]) {
      const r = await sampleGet(admin, p, SAMPLES, WARMUP);
      rows.push(['reference', name, `${ms(r.p50)} / ${ms(r.p95)}`, '', '', '', '(info)', '']);
    }

    const exportTask = seed.hundredKTaskIds[0];
    await getPage(admin, `/tasks/${exportTask}`);
    const downloads: Record<'csv' | 'xlsx', Download[]> = { csv: [], xlsx: [] };
    for (const kind of ['csv', 'xlsx'] as const) {
      for (let i = 0; i < EXPORT_RUNS; i += 1) {
        const d = await download(admin, `/tasks/${exportTask}/messages.${kind}`);
        const ok = kind === 'csv' ? d.head.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) && d.lines === 100_001 : d.head.subarray(0, 2).toString() === 'PK';
        if (!ok) throw new Error(`${kind} export of ${exportTask} is not what was expected (${d.lines} lines, starts ${d.head.toString('hex')})`);
        downloads[kind].push(d);
        log(`  export ${kind} #${i + 1}: ${ms(d.ms)} (first byte ${ms(d.ttfbMs)}), ${(d.bytes / 1048576).toFixed(1)} MB, RSS +${fmtMb(d.rss.growthMb)} (peak ${fmtMb(d.rss.peakMb)}, ${d.rss.baselineMb.toFixed(0)} MB before)`);
      }
    }
    for (const kind of ['csv', 'xlsx'] as const) {
      const part = exportRows(kind, downloads[kind]);
      rows.push(...part.rows);
      pass.push(...part.pass);
    }
  } catch (err) {
    // The app's own log says why a page failed (a 500 carries only a reference to it).
    for (const line of t.logLines.filter((l) => l.includes('"error"')).slice(-3)) log(line);
    throw err;
  } finally {
    floor.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  }
  log('');
  log(table(['what', 'measure', 'value (p50 / p95)', 'floor p50 / p95', 'p50 ÷ floor', 'all page SQL raw p50 (n)', 'target', 'result'], rows));
  log('');
  log(`floor = the page's own rows (and its count, when that costs a query) by raw better-sqlite3 through the same index; full table scans in the app's plans: ${scans}`);
  log(`${pass.filter(Boolean).length}/${pass.length} targets met; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
