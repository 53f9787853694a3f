/**
 * The audit suite of `npm run bench -- audit` (issue 14). On a database file holding BENCH_AUDIT_RECORDS audit
 * records (default 1,000,000: a year of a busy console, spread evenly over 365 days, ids growing with time as
 * recordAudit makes them), in this process, through the same services the /audit page and its export use:
 * - each filter's first page (and a deep page) of 50 by keyset, p50 / p95 of 20 runs, beside the floor: the
 *   newest 51 ids read straight from the table with no filter;
 * - the CSV export of one actor's records (about 2% of them), rows per second;
 * - recordAudit's cost per record (each its own transaction, as a change records itself);
 * - the retention delete of the oldest month, and how long one batch holds the write lock.
 * Exits 0 whatever the figures are; nothing here has a target in the issue, so these are for the README.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { createDb, migrateLatest } from '../../src/db/knex';
import { AUDIT_ACTIONS } from '../../src/audit/audit-actions';
import { auditPage, recordAudit, runAuditRetention } from '../../src/services/audit.service';
import { writeAuditCsv } from '../../src/services/audit-view.service';
import { translator } from '../../src/i18n/i18n';
import type { AuditCursor, AuditFilter } from '../../src/queries/audit-records.queries';
import { percentile } from './probes';
import { fmtMs, log, table, type Cell } from './report';

const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000);
const RUNS = 20;
const DAY = 86_400_000;
const ACTORS = 50;

/** Writes the records with one prepared statement in batches: the seed, not what is measured. */
function seed(file: string, now: number): void {
  const db = new Database(file);
  const insert = db.prepare(
    'insert into audit_records (created_at, actor_user_id, actor_api_key_id, actor_label, ip, action, object_type, object_id, summary) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const start = now - 365 * DAY;
  const step = (365 * DAY) / RECORDS;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const actor = i % ACTORS;
      const action = AUDIT_ACTIONS[(i * 7) % AUDIT_ACTIONS.length];
      insert.run(new Date(start + i * step).toISOString(), actor + 1, null, `user${actor}`, '10.0.0.1', action, 'task', `T${i}`, '{"after":{"rows":100}}');
    }
  });
  for (let i = 0; i < RECORDS; i += 50_000) batch(i, Math.min(RECORDS, i + 50_000));
  db.close();
}

async function timed(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await work();
    out.push(performance.now() - started);
  }
  return out.sort((a, b) => a - b);
}

export async function runAuditBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-audit-bench-'));
  const file = path.join(dir, 'qunfa.sqlite');
  try {
    const now = Date.now();
    const db = createDb(file);
    await migrateLatest(db);
    await db.destroy();
    log(`audit: seeding ${RECORDS.toLocaleString('en')} records…`);
    seed(file, now);
    const app = createDb(file);
    const day = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    const middle = Math.floor(RECORDS / 2);
    const cases: [string, AuditFilter, AuditCursor][] = [
      ['no filter, first page', {}, {}],
      ['no filter, a page half-way down', {}, { beforeId: middle }],
      ['one actor (2%)', { actor: 'user7' }, {}],
      ['one actor, a page half-way down', { actor: 'user7' }, { beforeId: middle }],
      [`one action (1/${AUDIT_ACTIONS.length})`, { action: 'task.confirmed' }, {}],
      ['one object (type + id)', { objectType: 'task', objectId: `T${middle}` }, {}],
      ['one day, 300 days ago', { fromIso: day(300), toIso: day(299) }, {}],
      ['the whole year (from a year ago)', { fromIso: day(366) }, {}],
      ['one actor on one day, 300 days ago', { actor: 'user7', fromIso: day(300), toIso: day(299) }, {}],
    ];
    const floorRows = await timed(RUNS, () => app('audit_records').orderBy('id', 'desc').limit(51).pluck('id'));
    const rows: Cell[][] = [['floor: newest 51 ids, no filter', fmtMs(percentile(floorRows, 50)), fmtMs(percentile(floorRows, 95)), '']];
    for (const [name, filter, cursor] of cases) {
      let shown = 0;
      const ms = await timed(RUNS, async () => {
        shown = (await auditPage(app, filter, cursor)).records.length;
      });
      rows.push([name, fmtMs(percentile(ms, 50)), fmtMs(percentile(ms, 95)), shown]);
      log(`audit: ${name}: p95 ${fmtMs(percentile(ms, 95))}`);
    }

    let exported = 0;
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const exportStarted = performance.now();
    const progress = { rows: 0 };
    await writeAuditCsv(app, { actor: 'user7' }, sink, { t: translator('en'), timeZone: 'Asia/Shanghai' }, progress);
    exported = progress.rows;
    const exportMs = performance.now() - exportStarted;

    const inserts = 2000;
    const insertStarted = performance.now();
    for (let i = 0; i < inserts; i += 1) {
      await app.transaction((trx) => recordAudit(trx, { actor: { userId: 1, label: 'bench' }, ip: '10.0.0.2', action: 'setting.changed', object: { type: 'settings', id: null }, summary: { before: { a: i }, after: { a: i + 1 } } }));
    }
    const perInsert = (performance.now() - insertStarted) / inserts;

    const retentionStarted = performance.now();
    const removed = await runAuditRetention(app, 335, new Date(now));
    const retentionMs = performance.now() - retentionStarted;
    await app.destroy();

    log('');
    log(`Audit log, ${RECORDS.toLocaleString('en')} records over 365 days (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    log(table(['page of 50 (auditPage)', 'p50', 'p95', 'rows'], rows));
    log(
      table(
        ['operation', 'figure'],
        [
          [`CSV export of one actor (${exported.toLocaleString('en')} rows)`, `${fmtMs(exportMs)}, ${Math.round(exported / (exportMs / 1000)).toLocaleString('en')} rows/s`],
          ['recordAudit, its own transaction', `${perInsert.toFixed(2)} ms a record`],
          [`retention: the oldest 30 days (${removed.toLocaleString('en')} records, 1,000 a transaction)`, `${fmtMs(retentionMs)}, ${((retentionMs / Math.max(1, removed)) * 1000).toFixed(1)} ms a batch`],
        ],
      ),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
