/**
 * Issue 14's case of the imports suite: what checking a 100,000-row marketing import against a 1,000,000-number
 * opt-out list adds to the import (target: < 10%). In process, on a file-backed database migrated as the app's:
 * 1,000,000 numbers are put on the list (raw prepared inserts), 1,000 of the bench's 100,000 recipients among them
 * (every 100th, so every chunk of the draft holds some and is rewritten).
 * The same checked rows are then stored as a draft through createDraft, the one place every import is stored,
 * alternately as a notification (no opt-out check: the import as it was) and as a marketing task (the check:
 * 100,000 primary-key lookups, the 1,000 refused rows, the recipients repacked), RUNS times each. The added time is
 * the difference of the medians; it is shown against the in-process import (check + pack + store, no parsing and no
 * HTTP: a smaller base than the HTTP import, so a stricter ratio) and against the suite's HTTP imports when given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { createDraft } from '../../src/services/drafts.service';
import { createUser } from '../../src/services/users.service';
import { findUserById } from '../../src/queries/users.queries';
import { makeRows, SIGNATURE, TEMPLATE_2VARS } from './inputs';
import { fmtMs, log, table, verdict, type Cell } from './report';
import { median } from './probes';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const LIST = Number(process.env.BENCH_OPT_OUTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
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

export async function runOptOutCheckCase(http: HttpImportMedians = {}): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-bench-optouts-'));
  const db = createDb(path.join(dir, 'qunfa.sqlite'));
  try {
    await migrateLatest(db);
    const userId = await createUser(db, { username: 'bench', password: 'bench-password', role: 'admin' });
    const user = (await findUserById(db, userId))!;
    const rows = makeRows(ROWS);
    let t0 = performance.now();
    await fillList(db, [...listNumbers(LIST - ON_LIST), ...rows.filter((_, i) => i % 100 === 0).slice(0, ON_LIST).map((r) => String(r.phone))]);
    log(`opt-out case: ${LIST.toLocaleString('en')} numbers put on the list in ${fmtMs(performance.now() - t0)}; ${ROWS.toLocaleString('en')} recipients, ${ON_LIST} of them on it`);

    const ctx = { signature: SIGNATURE, templateContent: TEMPLATE_2VARS };
    const input = rows.map((r, i) => ({ rowNumber: i + 1, cells: [r.phone, r.name, r.order] }));
    const draft = async (smsType: 'notification' | 'marketing') => {
      const started = performance.now();
      const { valid, ...report } = checkRecipients(input, ctx);
      const recipients = packRecipients(valid);
      const checkedAt = performance.now();
      const id = await createDraft(db, {
        user, signature: { id: null, name: SIGNATURE }, template: { id: null, name: 'bench', smsType, content: TEMPLATE_2VARS },
        sendMode: 'now', sendAt: null, source: 'import', fileName: 'bench.csv', report, recipients, formState: {}, timeZone: 'Asia/Shanghai',
      });
      const ended = performance.now();
      const stored = (await db('tasks').where({ id }).first('recipient_count', 'invalid_count')) as { recipient_count: number; invalid_count: number };
      await db('draft_recipients').where({ task_id: id }).delete();
      await db('task_invalid_rows').where({ task_id: id }).delete();
      await db('tasks').where({ id }).delete();
      return { totalMs: ended - started, storeMs: ended - checkedAt, stored };
    };
    await draft('notification'); // warm-up, not measured
    await draft('marketing');
    const plain: number[] = [];
    const plainStore: number[] = [];
    const checked: number[] = [];
    const checkedStore: number[] = [];
    let refused = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const a = await draft('notification');
      plain.push(a.totalMs);
      plainStore.push(a.storeMs);
      const b = await draft('marketing');
      checked.push(b.totalMs);
      checkedStore.push(b.storeMs);
      refused = b.stored.invalid_count;
      if (b.stored.recipient_count !== ROWS - ON_LIST) throw new Error(`expected ${ROWS - ON_LIST} recipients after the opt-out check, stored ${b.stored.recipient_count}`);
      log(`  run ${i + 1}: import in process ${fmtMs(a.totalMs)} (store ${fmtMs(a.storeMs)}); with the opt-out check ${fmtMs(b.totalMs)} (store ${fmtMs(b.storeMs)}), ${refused} refused`);
    }
    t0 = performance.now();
    const added = Math.max(0, median(checkedStore) - median(plainStore));
    const base = median(plain);
    const share = added / base;
    const out: Cell[][] = [
      ['opt-outs', `check ${ROWS.toLocaleString('en')} rows against ${LIST.toLocaleString('en')} numbers: time added, median`, fmtMs(added), '', ''],
      ['opt-outs', '  against the import in process (check + pack + store)', `${(share * 100).toFixed(1)}% of ${fmtMs(base)}`, `< ${TARGET_SHARE * 100}%`, verdict(share < TARGET_SHARE)],
    ];
    for (const [kind, ms] of Object.entries(http)) {
      if (ms) out.push(['opt-outs', `  against the HTTP ${kind} import (median above)`, `${((added / ms) * 100).toFixed(1)}% of ${fmtMs(ms)}`, `< ${TARGET_SHARE * 100}%`, verdict(added / ms < TARGET_SHARE)]);
    }
    log('');
    log(table(['file', 'measure', 'value', 'target', 'result'], out));
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
