/**
 * Issue 14's case of the imports suite: what checking a 100,000-row marketing import against a 1,000,000-number
 * opt-out list adds to the import (target: < 10%). In process, on a file-backed database migrated as the app's:
 * 1,000,000 numbers are put on the list (raw prepared inserts), 1,000 of the bench's 100,000 recipients among them
 * (every 100th, so every packed chunk would hold some).
 * Each file (.csv, .xlsx) is then imported as the send form does it, in an import worker (parseAndCheck) and stored
 * by createDraft: alternately as a notification (no opt-out check: the import as it is without it) and as a marketing
 * task (the check: the in-memory list brought up to date, handed to the worker, which leaves the 1,000 rows out of the
 * pack; createDraft stores them as refused rows), RUNS times each. The added time is the difference of the medians,
 * shown against the same in-process import and against the suite's HTTP imports when given. For comparison, the
 * check where the draft is stored (no list in the worker: the pack's numbers looked up in memory, the chunks
 * holding a refused row rewritten) is measured too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createDraft } from '../../src/services/drafts.service';
import { createUser } from '../../src/services/users.service';
import { findUserById, type User } from '../../src/queries/users.queries';
import { parseAndCheck } from '../../src/imports/import-worker';
import { getSettings } from '../../src/services/settings.service';
import { optOutKeysFor, optOutSnapshot } from '../../src/services/opt-out-snapshot.service';
import { makeRows, SIGNATURE, TEMPLATE_2VARS, writeCsv, writeXlsx } from './inputs';
import { fmtMs, log, table, verdict, type Cell } from './report';
import { median } from './probes';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const LIST = Number(process.env.BENCH_OPT_OUTS ?? 1_000_000);
// Two worker imports differ by tens of ms from run to run on a shared machine: more runs than the suite's 3.
const RUNS = Number(process.env.BENCH_OPT_OUT_RUNS ?? 5);
const ON_LIST = Math.round(ROWS / 100);
const TARGET_SHARE = 0.1;

/** Numbers no recipient has (the recipients start 13x–19x; these 145…), so the list's size is what it says. */
function listNumbers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `145${String(i).padStart(8, '0')}`);
}

async function fillList(db: Db, phones: readonly string[]): Promise<void> {
  const conn = (await db.client.acquireConnection()) as Database.Database;
  try {
    const insert = conn.prepare("insert into opt_outs (phone, source, reason, created_at) values (?, 'import', 'bench', '2026-12-05T00:00:00.000Z')");
    conn.transaction(() => {
      for (const p of phones) insert.run(p);
    })();
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** The suite's HTTP import medians (ms), when it ran them first; the case then also reports against them. */
export interface HttpImportMedians {
  csv?: number;
  xlsx?: number;
}

type Variant = 'plain' | 'worker' | 'store';

/** One import of the file as the send form makes it: the worker's parse, check and pack, then createDraft. */
async function importOnce(db: Db, user: User, file: string, variant: Variant) {
  const started = performance.now();
  const smsType = variant === 'plain' ? 'notification' : 'marketing';
  const settings = await getSettings(db, { timeZone: 'Asia/Shanghai' });
  // As the send form's handler: the list goes to the worker when the task's type is checked against it.
  const optOuts = variant === 'worker' ? await optOutKeysFor(db, smsType, settings.sendRules) : undefined;
  const ctx = { signature: SIGNATURE, templateContent: TEMPLATE_2VARS };
  const checked = await parseAndCheck({ path: file }, path.basename(file), { maxRows: ROWS + 10, maxBytes: 100 * 1024 * 1024 }, ctx, { optOuts });
  if (!checked.ok) throw new Error(`import failed: ${JSON.stringify(checked.error)}`);
  const id = await createDraft(db, {
    user, signature: { id: null, name: SIGNATURE }, template: { id: null, name: 'bench', smsType, content: TEMPLATE_2VARS },
    sendMode: 'now', sendAt: null, source: 'import', fileName: path.basename(file), report: checked.report, recipients: checked.recipients, formState: {}, timeZone: 'Asia/Shanghai',
  });
  const ms = performance.now() - started;
  const stored = (await db('tasks').where({ id }).first('recipient_count', 'invalid_count')) as { recipient_count: number; invalid_count: number };
  await db('draft_recipients').where({ task_id: id }).delete();
  await db('task_invalid_rows').where({ task_id: id }).delete();
  await db('tasks').where({ id }).delete();
  const expected = variant === 'plain' ? ROWS : ROWS - ON_LIST;
  if (stored.recipient_count !== expected) throw new Error(`${variant}: expected ${expected} recipients, stored ${stored.recipient_count}`);
  return ms;
}

export async function runOptOutCheckCase(http: HttpImportMedians = {}): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-optouts-'));
  const db = createDb(path.join(dir, 'qunfa.sqlite'));
  try {
    await migrateLatest(db);
    const userId = await createUser(db, { username: 'bench', password: 'bench-password', role: 'admin' });
    const user = (await findUserById(db, userId))!;
    const rows = makeRows(ROWS);
    const files = { csv: path.join(dir, 'recipients.csv'), xlsx: path.join(dir, 'recipients.xlsx') };
    writeCsv(rows, files.csv);
    writeXlsx(rows, files.xlsx);
    let t0 = performance.now();
    await fillList(db, [...listNumbers(LIST - ON_LIST), ...rows.filter((_, i) => i % 100 === 0).slice(0, ON_LIST).map((r) => String(r.phone))]);
    log(`opt-out case: ${LIST.toLocaleString('en')} numbers put on the list in ${fmtMs(performance.now() - t0)}; ${ROWS.toLocaleString('en')} recipients, ${ON_LIST} of them on it; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    t0 = performance.now();
    const snapshot = (await optOutSnapshot(db))!;
    log(`  the list read into memory (once, at start in the app): ${fmtMs(performance.now() - t0)}, ${snapshot.keys.keys.length.toLocaleString('en')} keys`);
    t0 = performance.now();
    await optOutSnapshot(db);
    log(`  brought up to date with no change (before each import): ${fmtMs(performance.now() - t0)}`);

    const out: Cell[][] = [];
    for (const kind of ['csv', 'xlsx'] as const) {
      const times: Record<Variant, number[]> = { plain: [], worker: [], store: [] };
      for (const v of ['plain', 'worker', 'store'] as const) await importOnce(db, user, files[kind], v); // warm-up
      for (let i = 0; i < RUNS; i += 1) {
        for (const v of ['plain', 'worker', 'store'] as const) times[v].push(await importOnce(db, user, files[kind], v));
        log(`  ${kind} run ${i + 1}: import ${fmtMs(times.plain[i])}; with the check in the worker ${fmtMs(times.worker[i])}; with the check where the draft is stored ${fmtMs(times.store[i])}`);
      }
      const base = median(times.plain);
      const added = Math.max(0, median(times.worker) - base);
      const addedAtStore = Math.max(0, median(times.store) - base);
      // Each run's own difference too: on a shared machine the load drifts between runs more than within one.
      const paired = median(times.worker.map((ms, i) => ms - times.plain[i]));
      out.push(
        ['opt-outs', `${kind}: check ${ROWS.toLocaleString('en')} rows against ${LIST.toLocaleString('en')} numbers in the worker: time added, median`, `${fmtMs(added)} (run by run: ${fmtMs(paired)})`, '', ''],
        ['opt-outs', `  against the ${kind} import in process (worker + store)`, `${((added / base) * 100).toFixed(1)}% of ${fmtMs(base)}`, `< ${TARGET_SHARE * 100}%`, verdict(added / base < TARGET_SHARE)],
      );
      const httpMs = http[kind];
      if (httpMs) out.push(['opt-outs', `  against the HTTP ${kind} import (median above)`, `${((added / httpMs) * 100).toFixed(1)}% of ${fmtMs(httpMs)}`, `< ${TARGET_SHARE * 100}%`, verdict(added / httpMs < TARGET_SHARE)]);
      out.push(['opt-outs', `  for comparison: the check where the draft is stored (in memory, chunks rewritten)`, `${fmtMs(addedAtStore)} (${((addedAtStore / base) * 100).toFixed(1)}%)`, '', '']);
    }
    log('');
    log(table(['file', 'measure', 'value', 'target', 'result'], out));
    log(`  load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runOptOutCheckCase().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
