/**
 * The PostgreSQL suite's dispatch part (issue 13): 100,000 messages in 3 tasks sent to the stub carrier (no limit,
 * no delay, no failures) by 1 and then by 3 real server processes (`node dist/server.js`, test/helpers/app-process.ts)
 * sharing one database, beside a floor: the same set-based statements in a bare loop of node + pg, in batches of 200
 * like the dispatcher's. A task is sent by one instance at a time (its lease), so 3 tasks are what lets 3 instances
 * share the work.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createDb, migrateLatest } from '../../src/db/knex';
import { saveSettings } from '../../src/services/settings.service';
import { addUser } from '../helpers/app';
import { insertTaskRow } from '../helpers/task-rows';
import { phones } from '../helpers/tasks';
import { killAllProcesses, makeTempDir, removeTempDirs, startServer, waitUntil, type AppProcess } from '../helpers/app-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as { Client: new (url: string) => PgClient };
interface PgClient {
  connect(): Promise<void>;
  end(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export const BATCH = 200;
const CONTENT = '【顺丰速运】尊敬的客户，您的订单SF1000000000123已发货，请注意查收。';
const QUIET_STUB = { delayMinMs: 0, delayMaxMs: 0, failureMix: {}, throughputPerSecond: 0, errorRate: 0, timeoutRate: 0 };
const SESSION_SECRET = 'bench-pg-session-secret-shared-by-every-instance-01';

export interface DispatchRun {
  instances: number;
  /** First message recorded as submitted → last one (the messages' submitted_at, written by the instances). */
  spanMs: number;
  /** Tasks made due → every task completed, as this process saw it (includes the wait for the next tick, ≤ 1 s). */
  wallMs: number;
  /** Processes seen holding a task's lease. */
  owners: number;
  messages: number;
  /** What the instances' connections were doing, sampled every 20 ms: `wait event — statement`, most seen first. */
  activity: [string, number][];
}

/** One look at the other connections' work: each active one's wait (or CPU) and the start of its statement. */
async function sampleActivity(db: Knex, into: Map<string, number>): Promise<void> {
  const rows = (
    await db.raw(
      `select coalesce(wait_event_type || ':' || wait_event, 'running') as wait, regexp_replace(left(query, 70), '\\s+', ' ', 'g') as query
       from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and datname = current_database()`,
    )
  ).rows as { wait: string; query: string }[];
  for (const r of rows) into.set(`${r.wait} — ${r.query}`, (into.get(`${r.wait} — ${r.query}`) ?? 0) + 1);
}

/** Splits `total` into `parts` nearly equal sizes. */
function sizes(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** `n` pending messages of one task in one statement per 20,000 (unnest of one array per column). */
async function insertMessages(db: Knex, taskId: string, numbers: readonly string[]): Promise<void> {
  for (let from = 0; from < numbers.length; from += 20_000) {
    const part = numbers.slice(from, from + 20_000);
    await db.raw(
      `insert into messages (task_id, row_number, phone, params, content, chars, segments, status)
       select ?, r, p, '[]', ?, ?, 1, 'pending' from unnest(?::int[], ?::text[]) as v(r, p)`,
      [taskId, CONTENT, CONTENT.length, part.map((_, i) => from + i + 1), part as string[]],
    );
  }
}

/** Tasks holding `total` messages, scheduled far ahead (no instance takes them until made due); their ids. */
async function makeTasks(db: Knex, total: number, parts: number, status: 'scheduled' | 'sending'): Promise<string[]> {
  const ids: string[] = [];
  for (const [k, n] of sizes(total, parts).entries()) {
    const id = await insertTaskRow(db, { status, recipients: n, sendAt: '2099-01-01T00:00:00.000Z', templateContent: CONTENT });
    await insertMessages(db, id, phones(n, `139${k}`));
    ids.push(id);
  }
  return ids;
}

async function clearSent(db: Knex): Promise<void> {
  for (const table of ['receipts', 'message_parts', 'orphan_receipts', 'stub_carrier_ledger', 'messages', 'tasks']) await db(table).delete();
  await db.raw('vacuum analyze');
}

/** A migrated database with an admin and the bench's settings; a knex on it for the suite. */
export async function prepareDispatchDatabase(url: string): Promise<Knex> {
  const db = createDb(url, { poolMax: 4 });
  await migrateLatest(db);
  await addUser(db, 'admin', 'admin');
  await saveSettings(db, { carrierRatePerSecond: 0, dispatchBatchSize: BATCH, stubCarrier: QUIET_STUB });
  return db;
}

/** One run: `instances` fresh processes, 3 tasks of `total` messages made due at once, timed to the last completed. */
export async function dispatchWith(db: Knex, url: string, instances: number, total: number): Promise<DispatchRun> {
  await clearSent(db);
  const taskIds = await makeTasks(db, total, 3, 'scheduled');
  const dataDir = makeTempDir('qunfa-bench-pg-');
  const procs: AppProcess[] = [];
  try {
    for (let i = 0; i < instances; i += 1) {
      procs.push(await startServer(dataDir, { compiled: true, readyTimeoutMs: 60_000, env: { DATABASE_URL: url, SESSION_SECRET, DISPATCH_LEASE_SECONDS: '10', LOG_LEVEL: 'warn' } }));
    }
    const owners = new Set<string>();
    const activity = new Map<string, number>();
    const t0 = performance.now();
    await db('tasks').whereIn('id', taskIds).update({ send_at: new Date(Date.now() - 1000).toISOString() });
    await waitUntil(
      'every task completed',
      async () => {
        for (const p of procs) if (p.hasExited()) throw new Error(`an instance exited:\n${p.output.slice(-20).join('\n')}`);
        const rows = (await db('tasks').whereIn('id', taskIds).select('status', 'lease_owner')) as { status: string; lease_owner: string | null }[];
        for (const r of rows) if (r.lease_owner) owners.add(r.lease_owner);
        await sampleActivity(db, activity);
        return rows.every((r) => r.status === 'completed');
      },
      { timeoutMs: 600_000, intervalMs: 20 },
    );
    const wallMs = performance.now() - t0;
    const span = (await db('messages').whereIn('task_id', taskIds).first(db.raw('min(submitted_at) as first, max(submitted_at) as last, count(*) as n'))) as { first: string; last: string; n: number };
    const submitted = Number((await db('messages').whereIn('task_id', taskIds).whereNotNull('submitted_at').count({ n: '*' }))[0].n);
    if (submitted !== total) throw new Error(`${submitted} of ${total} messages were submitted`);
    return { instances, spanMs: Date.parse(span.last) - Date.parse(span.first), wallMs, owners: owners.size, messages: submitted, activity: [...activity].sort((a, b) => b[1] - a[1]).slice(0, 8) };
  } finally {
    await killAllProcesses();
    removeTempDirs();
  }
}

/**
 * The floor: the same rows (3 tasks, `total` messages, made by the same code), sent by a bare loop on one pg
 * connection with the dispatcher's set-based statements: per batch of 200, one transaction takes the next pending
 * ids and marks them `submitting`; a second sets them `submitted` with a carrier id (UPDATE … FROM unnest) and adds
 * them to the task's counter. No app, no knex, no HTTP, no carrier. Returns the total time.
 */
export async function dispatchFloor(db: Knex, url: string, total: number): Promise<number> {
  await clearSent(db);
  const taskIds = await makeTasks(db, total, 3, 'sending');
  const client = new pg.Client(url);
  await client.connect();
  try {
    const t0 = performance.now();
    for (const taskId of taskIds) {
      for (;;) {
        await client.query('begin');
        const { rows } = await client.query(
          `update messages set status = 'submitting', attempts = attempts + 1
           where id in (select id from messages where task_id = $1 and status = 'pending' order by id limit $2 for update skip locked) returning id`,
          [taskId, BATCH],
        );
        await client.query('commit');
        if (rows.length === 0) break;
        const ids = rows.map((r) => r.id as number);
        await client.query('begin');
        const done = await client.query(
          `update messages m set status = 'submitted', carrier_message_id = v.cid, submitted_at = $3, next_attempt_at = null
           from unnest($1::bigint[], $2::text[]) as v(id, cid) where m.id = v.id and m.status = 'submitting'`,
          [ids, ids.map(() => 'stub-' + crypto.randomBytes(8).toString('hex')), new Date().toISOString()],
        );
        await client.query('update tasks set submitted_count = submitted_count + $2 where id = $1', [taskId, done.rowCount]);
        await client.query('commit');
      }
    }
    return performance.now() - t0;
  } finally {
    await client.end();
  }
}
