/**
 * The PostgreSQL suite's pages part (issue 13): the pages suite's data (pages-seed.ts, the same rows from the same
 * generator: 2,000 tasks, about 1.45 million messages) written into a migrated PostgreSQL database by multi-row
 * inserts (one `insert … select from unnest(…)` per 20,000 messages), then the pages suite's cases (pages.bench.ts)
 * through the app in this process over HTTP, as the SQLite suite runs it. Only the page times here: the SQLite
 * suite's floor is raw better-sqlite3 and has no counterpart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createDb, migrateLatest } from '../../src/db/knex';
import { createApp } from '../../src/app';
import { PASSWORD } from '../helpers/app';
import { Client } from './client';
import { createCatalogue, cases } from './pages.bench';
import { COUNTER_SETS, MESSAGE_COLUMNS, seedRows, TASK_COLUMNS, TASK_VALUES, TASKS, type Catalogue, type SeedResult } from './pages-seed';
import { appQueries, follow, getPage, sampleGet, type Timing } from './pages-http';

const CHUNK = 20_000;
/** PostgreSQL array types of MESSAGE_COLUMNS, in order. */
const MESSAGE_TYPES = ['text', 'int', 'text', 'text', 'text', 'int', 'int', 'text', 'text', 'int', 'text', 'text', 'text', 'text'];

async function flushMessages(db: Knex, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = MESSAGE_TYPES.map((_, i) => rows.map((r) => r[i]));
  await db.raw(`insert into messages (${MESSAGE_COLUMNS}) select * from unnest(${MESSAGE_TYPES.map((t) => `?::${t}[]`).join(', ')})`, arrays as Knex.RawBinding[]);
  rows.length = 0;
}

/** Writes the seed's rows; returns the counts and the big tasks. */
export async function seedPagesPg(db: Knex, cat: Catalogue): Promise<SeedResult> {
  const started = performance.now();
  const result: SeedResult = { tasks: TASKS, messages: 0, ms: 0, bigTaskId: '', hundredKTaskIds: [] };
  const buffered: unknown[][] = [];
  const counters: unknown[][] = [];
  const taskSql = `insert into tasks (${TASK_COLUMNS}) values (${TASK_VALUES.map(() => '?').join(', ')})`;
  for (const row of seedRows(cat, result)) {
    if (row.kind === 'task') {
      // A task's messages reference it: the ones buffered so far (earlier tasks') go in first.
      await flushMessages(db, buffered);
      await db.raw(taskSql, TASK_VALUES.map((k) => row.task[k]) as Knex.RawBinding[]);
    } else if (row.kind === 'counters') counters.push(row.values);
    else {
      buffered.push(row.values);
      if (buffered.length >= CHUNK) await flushMessages(db, buffered);
    }
  }
  await flushMessages(db, buffered);
  for (const values of counters) await db.raw(`update tasks set ${COUNTER_SETS} where id = ?`, values as Knex.RawBinding[]);
  // Statistics, as a database that has been running would have (autovacuum): the planner's choices depend on them.
  await db.raw('vacuum analyze');
  return { ...result, ms: performance.now() - started };
}

/** A page slower than this has its slowest statement's plan printed (EXPLAIN ANALYZE), to say where its time goes. */
const SLOW_PAGE_MS = 10;

async function explainSlowest(db: Knex, sent: readonly { sql: string; bindings: unknown[] }[], log: (line: string) => void): Promise<void> {
  // knex reports PostgreSQL's own placeholders ($1 …); knex.raw takes `?` in order.
  const queries = sent.map((q) => {
    const bindings: unknown[] = [];
    const sql = q.sql.replace(/\$(\d+)/g, (_, n: string) => (bindings.push(q.bindings[Number(n) - 1]), '?'));
    return { sql, bindings };
  });
  let slowest = { ms: -1, sql: '', bindings: [] as unknown[] };
  for (const q of queries) {
    const t0 = performance.now();
    await db.raw(q.sql, q.bindings as Knex.RawBinding[]);
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, sql: q.sql, bindings: q.bindings };
  }
  log(`    slowest statement (${slowest.ms.toFixed(1)} ms): ${slowest.sql.slice(0, 300)}`);
  const plan = (await db.raw(`explain (analyze, buffers) ${slowest.sql}`, slowest.bindings as Knex.RawBinding[])).rows as { 'QUERY PLAN': string }[];
  for (const line of plan.slice(0, 14)) log(`      ${line['QUERY PLAN']}`);
}

export interface PgPage {
  name: string;
  path: string;
  timing: Timing;
}

/** Seeds, starts the app on the database and measures every case of the pages suite: `samples` GETs after `warmup`. */
export async function measurePgPages(url: string, samples: number, warmup: number, appWarmup: number, log: (line: string) => void): Promise<{ seed: SeedResult; pages: PgPage[] }> {
  const db = createDb(url, { poolMax: 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-pg-pages-'));
  let server: Server | undefined;
  try {
    await migrateLatest(db);
    const { catalogue, memberId } = await createCatalogue(db);
    const seed = await seedPagesPg(db, catalogue);
    const size = (await db.raw("select pg_size_pretty(pg_database_size(current_database())) as size")).rows[0].size as string;
    log(`  seeded ${seed.tasks} tasks and ${seed.messages.toLocaleString('en')} messages on PostgreSQL in ${(seed.ms / 1000).toFixed(1)} s (database ${size}); 1M task ${seed.bigTaskId}`);
    const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: url, SESSION_SECRET: 'bench-pg-pages-session-secret-0123456789', TZ: 'Asia/Shanghai', LOG_LEVEL: 'warn' });
    const logLines: string[] = [];
    const app = createApp({ db, config, logger: createLogger('warn', (line) => logLines.push(line)) });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const admin = new Client(base);
    await admin.login('admin', PASSWORD);
    const all = cases(seed.bigTaskId, memberId);
    try {
      for (let i = 0; i < appWarmup; i += 1) for (const c of all) await getPage(admin, c.start);
      const pages: PgPage[] = [];
      for (const c of all) {
        const reached = await follow(admin, c.start, c.hops);
        const timing = await sampleGet(admin, reached.path, samples, warmup);
        const app = await appQueries(db, admin, reached.path, 3);
        log(`  ${c.group} ${c.name}: ${reached.path} — p50 ${timing.p50.toFixed(2)} ms, p95 ${timing.p95.toFixed(2)} ms; ${app.queries.length} queries, ${app.knexMs.toFixed(2)} ms in knex`);
        if (timing.p50 > SLOW_PAGE_MS) await explainSlowest(db, app.queries, log);
        pages.push({ name: `${c.group} ${c.name}${c.hops > 0 && reached.hops !== c.hops ? ` (page ${reached.hops + 1})` : ''}`, path: reached.path, timing });
      }
      return { seed, pages };
    } catch (err) {
      for (const line of logLines.filter((l) => l.includes('"error"')).slice(-3)) log(line);
      throw err;
    }
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
