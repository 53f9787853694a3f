/**
 * The pages suite's data (issue 5, "Performance"): 2,000 send tasks over 100 days, one of 1,000,000 messages and
 * three of 100,000, the rest 1–150 messages each, written with raw better-sqlite3 prepared inserts (one transaction
 * per 50,000 rows) into a database file already migrated by knex, so schema and indexes are the app's own.
 *
 * Realistic enough to exercise the indexes: numbers from a pool of customers (so one number appears in several
 * tasks) with operator prefixes weighted towards 138/139, final states and receipt codes in the stub carrier's
 * vocabulary (mostly delivered, some failed, a few rejected at submit), sending times over 2 days for the
 * 1,000,000-message task, batches of 100 sharing one sending time, and task counters that match the rows.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { prng } from '../helpers/prng';

export const TASKS = 2_000;
const DAYS = 100;
const BATCH_ROWS = 50_000;
const FIRST_DAY = Date.UTC(2026, 7, 1);

/** Task positions (0 = oldest) and sizes of the big tasks. */
const BIG: Record<number, { messages: number; pool: number; hours: number }> = {
  1000: { messages: 100_000, pool: 0, hours: 3 },
  1400: { messages: 1_000_000, pool: 0, hours: 48 },
  1600: { messages: 100_000, pool: 300_000, hours: 3 },
  1900: { messages: 100_000, pool: 600_000, hours: 3 },
};

/** Operator prefixes, 138 and 139 the most common (a prefix search on 138 meets many numbers). */
const PREFIXES = [138, 138, 138, 139, 139, 139, 135, 136, 137, 150, 151, 152, 158, 159, 130, 131, 132, 155, 156, 186, 185, 176, 180, 181, 189, 133, 153, 177, 199, 187, 188, 182, 183, 157, 147, 166, 198, 191, 173, 178];

/** Customer `j` of the pool; distinct customers below 100,000,000 have distinct numbers. */
export function phoneOf(j: number): string {
  return String(PREFIXES[j % PREFIXES.length]) + String((j * 7919 + 12_345) % 100_000_000).padStart(8, '0');
}

/** A number in the 1,000,000-message task, one 100,000-message task and a few small ones: the list's phone search. */
export const SEARCH_PHONE = phoneOf(12_345);

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国文辉玉鹏飞丹萍红梅欣怡涵浩宇思远晨曦雨轩';

/** Failure and rejection codes with their descriptions, as the stub carrier reports them. */
const FAILED = [['UNDELIV', 'undeliverable'], ['UNDELIV', 'undeliverable'], ['EXPIRED', 'expired'], ['BLACK', 'number on a blacklist'], ['MK:0001', 'gateway error MK:0001']];
const REJECTED = [['REJECTD', 'rejected by the carrier'], ['REJECTD', 'rejected by the carrier'], ['KEYWORD', 'content blocked by a keyword']];

export interface Catalogue {
  userIds: number[];
  /** Share of the tasks per user, same order. */
  userWeights: number[];
  signatures: { id: number; name: string }[];
  templates: { id: number; name: string; smsType: string; content: string }[];
}

export interface SeedResult {
  tasks: number;
  messages: number;
  ms: number;
  bigTaskId: string;
  /** The 100,000-message tasks, oldest first. */
  hundredKTaskIds: string[];
}

function weighted<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  let u = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i += 1) if ((u -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
}

const iso = (ms: number) => new Date(ms).toISOString();
const taskIdOf = (i: number) => {
  const day = new Date(FIRST_DAY + Math.floor(i / (TASKS / DAYS)) * 86_400_000).toISOString();
  return 'T' + day.slice(2, 10).replace(/-/g, '') + String((i % (TASKS / DAYS)) + 1).padStart(4, '0');
};

type TaskStatus = 'draft' | 'scheduled' | 'sending' | 'completed' | 'cancelled';

function statusOf(i: number, rand: () => number): TaskStatus {
  if (BIG[i]) return 'completed';
  const u = rand();
  if (u < 0.02) return 'draft';
  if (i >= TASKS - 40) return u < 0.5 ? 'scheduled' : u < 0.7 ? 'sending' : 'completed';
  return u < 0.94 ? 'completed' : 'cancelled';
}

/** A task row: the named values of TASK_INSERT. */
export type SeedTask = Record<string, string | number | null>;

/** What the seed writes, in order: each task, then its messages (values in MESSAGE_COLUMNS order), then its counters. */
export type SeedRow =
  | { kind: 'task'; task: SeedTask }
  | { kind: 'message'; values: unknown[] }
  /** submitted, delivered, failed, rejected, cancelled, total_chars, total_segments, max_chars, max_segments, then the task id. */
  | { kind: 'counters'; values: unknown[] };

export const TASK_COLUMNS =
  'id, status, sms_type, signature_id, template_id, signature_text, template_name, template_content, source, file_name, send_mode, send_at, rows_read, recipient_count, form_state, created_by, created_at, updated_at, expires_at, confirmed_at, started_at, completed_at, cancelled_at';
/** TASK_COLUMNS' values, by SeedTask key (`n` is both rows_read and recipient_count). */
export const TASK_VALUES = ['id', 'status', 'smsType', 'signatureId', 'templateId', 'signatureText', 'templateName', 'templateContent', 'source', 'fileName', 'sendMode', 'sendAt', 'n', 'n', 'formState', 'createdBy', 'createdAt', 'createdAt', 'expiresAt', 'confirmedAt', 'startedAt', 'completedAt', 'cancelledAt'] as const;
export const MESSAGE_COLUMNS = 'task_id, row_number, phone, params, content, chars, segments, status, carrier_message_id, attempts, submitted_at, reported_at, code, description';
export const COUNTER_SETS = 'submitted_count = ?, delivered_count = ?, failed_count = ?, rejected_count = ?, cancelled_count = ?, total_chars = ?, total_segments = ?, max_chars = ?, max_segments = ?';

/**
 * The rows of the seed, the same on either engine (this file writes them to SQLite, pg-pages.ts to PostgreSQL);
 * `result` gets the big tasks' ids as they are made.
 */
export function* seedRows(cat: Catalogue, result: SeedResult): Generator<SeedRow> {
  const rand = prng(20261125);
  let carrierSeq = 0;
  let searchPlanted = 0;

  for (let i = 0; i < TASKS; i += 1) {
    const id = taskIdOf(i);
    const big = BIG[i];
    const status = statusOf(i, rand);
    const smsType = big ? 'notification' : weighted(rand, ['notification', 'verification', 'marketing'], [0.6, 0.25, 0.15]);
    const tpls = cat.templates.filter((t) => t.smsType === smsType);
    const tpl = tpls[Math.floor(rand() * tpls.length)];
    const sig = cat.signatures[Math.floor(rand() * cat.signatures.length)];
    const createdAt = FIRST_DAY + Math.floor(i / (TASKS / DAYS)) * 86_400_000 + (i % (TASKS / DAYS)) * 1_800_000 + 3_600_000;
    const scheduled = rand() < 0.3;
    const sendAt = status === 'draft' ? null : createdAt + (scheduled ? 3_600_000 * (1 + Math.floor(rand() * 12)) : 60_000);
    const n = big ? big.messages : 1 + Math.floor(rand() * rand() * 300);
    const hours = big ? big.hours : 0.05 + (n / 150) * 0.5;
    const startedAt = sendAt !== null && status !== 'scheduled' ? sendAt + 2_000 : null;
    const durationMs = hours * 3_600_000;
    const stoppedAt = status === 'cancelled' && startedAt !== null ? startedAt + durationMs * 0.7 : null;
    yield {
      kind: 'task',
      task: {
        id, status, smsType, signatureId: sig.id, templateId: tpl.id, signatureText: sig.name, templateName: tpl.name, templateContent: tpl.content,
        source: big || rand() < 0.7 ? 'import' : 'manual', fileName: big ? `客户名单-${i}.xlsx` : null,
        sendMode: scheduled ? 'scheduled' : 'now', sendAt: sendAt === null ? null : iso(sendAt), n, formState: '{}',
        createdBy: weighted(rand, cat.userIds, cat.userWeights), createdAt: iso(createdAt),
        expiresAt: status === 'draft' ? iso(createdAt + 86_400_000) : null, confirmedAt: sendAt === null ? null : iso(createdAt + 30_000),
        startedAt: startedAt === null ? null : iso(startedAt),
        completedAt: status === 'completed' ? iso(startedAt! + durationMs) : stoppedAt !== null ? iso(stoppedAt) : null,
        cancelledAt: stoppedAt !== null ? iso(stoppedAt) : null,
      },
    };
    if (big && big.messages === 1_000_000) result.bigTaskId = id;
    else if (big) result.hundredKTaskIds.push(id);
    const c = { submitted: 0, delivered: 0, failed: 0, rejected: 0, cancelled: 0, chars: 0, segments: 0, maxChars: 0, maxSegments: 0 };
    // Which part of the rows got an outcome: all of a completed task, the first 70% of a stopped one, 60% of one sending.
    const settled = status === 'completed' ? n : status === 'cancelled' ? Math.floor(n * 0.7) : status === 'sending' ? Math.floor(n * 0.6) : 0;
    const inFlight = status === 'sending' ? Math.floor(n * 0.05) : 0;
    const plantSearch = !big && i % 400 === 7;
    // A task never holds a number twice (the recipient check removes duplicates).
    const used = new Set<number>();
    for (let r = 0; r < n; r += 1) {
      let j = big ? big.pool + r : plantSearch && r === 0 ? 12_345 : Math.floor(rand() * 200_000);
      while (!big && used.has(j)) j = Math.floor(rand() * 200_000);
      used.add(j);
      if (j === 12_345 && !big) searchPlanted += 1;
      const name = SURNAMES[j % SURNAMES.length] + GIVEN[(j >> 3) % GIVEN.length] + (j % 3 === 0 ? GIVEN[(j >> 7) % GIVEN.length] : '');
      const order = 'SF' + String(1_000_000_000_000 + ((j * 104_729 + r) % 9_000_000_000_000));
      const content = `【${sig.name}】` + tpl.content.replace('{1}', name).replace('{2}', order);
      const chars = content.length;
      const segments = chars <= 70 ? 1 : Math.ceil(chars / 67);
      c.chars += chars;
      c.segments += segments;
      if (chars > c.maxChars) c.maxChars = chars;
      if (segments > c.maxSegments) c.maxSegments = segments;
      // Batches of 100 are handed over together and share their sending time.
      const sentMs = startedAt === null ? 0 : startedAt + Math.floor((Math.floor(r / 100) * 100 * durationMs) / n);
      let st = 'pending';
      let carrierId: string | null = null;
      let submittedAt: string | null = null;
      let reportedAt: string | null = null;
      let code: string | null = null;
      let description: string | null = null;
      if (r < settled) {
        const u = rand();
        submittedAt = iso(sentMs);
        if (u < 0.02) {
          st = 'rejected';
          [code, description] = REJECTED[Math.floor(rand() * REJECTED.length)];
          reportedAt = submittedAt;
        } else {
          carrierId = `STUB${String((carrierSeq += 1)).padStart(10, '0')}`;
          reportedAt = iso(sentMs + 2_000 + Math.floor(rand() * 28_000));
          if (u < 0.07) [code, description] = FAILED[Math.floor(rand() * FAILED.length)];
          else [code, description] = ['DELIVRD', 'delivered'];
          st = code === 'DELIVRD' ? 'delivered' : 'failed';
        }
      } else if (r < settled + inFlight) {
        st = 'submitted';
        submittedAt = iso(sentMs);
        carrierId = `STUB${String((carrierSeq += 1)).padStart(10, '0')}`;
      } else if (status === 'cancelled') st = 'cancelled';
      if (st === 'delivered' || st === 'failed' || st === 'submitted') c.submitted += 1;
      if (st === 'delivered') c.delivered += 1;
      else if (st === 'failed') c.failed += 1;
      else if (st === 'rejected') c.rejected += 1;
      else if (st === 'cancelled') c.cancelled += 1;
      yield { kind: 'message', values: [id, r + 1, phoneOf(j), JSON.stringify([name, order]), content, chars, segments, st, carrierId, carrierId || st === 'rejected' ? 1 : 0, submittedAt, reportedAt, code, description] };
      result.messages += 1;
    }
    yield { kind: 'counters', values: [c.submitted, c.delivered, c.failed, c.rejected, c.cancelled, c.chars, c.segments, c.maxChars, c.maxSegments, id] };
  }
  if (searchPlanted === 0) throw new Error('seed: the search number was planted in no small task');
}

/** Seeds the migrated file (users, signatures and templates already in it); returns the counts and the big tasks. */
export function seedPagesDb(file: string, cat: Catalogue): SeedResult {
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insertTask = db.prepare(`INSERT INTO tasks (${TASK_COLUMNS}) VALUES (${TASK_VALUES.map(() => '?').join(', ')})`);
  const setCounters = db.prepare(`UPDATE tasks SET ${COUNTER_SETS} WHERE id = ?`);
  const insertMessage = db.prepare(`INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_COLUMNS.split(',').map(() => '?').join(', ')})`);
  const result: SeedResult = { tasks: TASKS, messages: 0, ms: 0, bigTaskId: '', hundredKTaskIds: [] };
  let inTx = 0;
  db.exec('BEGIN');
  for (const row of seedRows(cat, result)) {
    if (row.kind === 'task') insertTask.run(...TASK_VALUES.map((k) => row.task[k]));
    else if (row.kind === 'counters') setCounters.run(...row.values);
    else {
      insertMessage.run(...row.values);
      inTx += 1;
      if (inTx >= BATCH_ROWS) {
        db.exec('COMMIT');
        db.exec('BEGIN');
        inTx = 0;
      }
    }
  }
  db.exec('COMMIT');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { ...result, ms: performance.now() - started };
}

/**
 * The seed runs in a child process (as the import suite generates its inputs): its 256 MB page cache and string
 * garbage would otherwise stay in this process's RSS, and the export's RSS growth would be measured on top of
 * memory the allocator could hand back to it.
 */
export function seedPagesDbInChild(file: string, cat: Catalogue): SeedResult {
  const out = execFileSync(process.execPath, ['-r', path.join(__dirname, '..', 'helpers', 'register-ts.js'), __filename, file, JSON.stringify(cat)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as SeedResult;
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(seedPagesDb(process.argv[2], JSON.parse(process.argv[3]) as Catalogue)));
}
