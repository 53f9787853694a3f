/**
 * The apps the import helpers (postImport, confirmOverHttp, dropDraft) drive over HTTP, seeded alike: an admin, a
 * member, an approved signature and a 2-variable notification template.
 *
 * - `startServer` (the import suite): the production server, `node dist/server.js` as `npm start` runs it, in a
 *   child process on a prepared DATA_DIR, so the RSS the suite reads is that process's alone (its import worker
 *   threads included), with no bench harness and no SWC in it. The bench keeps its own knex on the same file (WAL
 *   lets it read and delete beside the app) to count and remove what an import stored.
 * - `BenchServer`: an app in this process (the dispatch suite's, see dispatch-app.ts).
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { TestApp } from '../helpers/app';
import { addUser, PASSWORD } from '../helpers/app';
import { approvedSignature, approvedTemplate } from '../helpers/catalogue';
import { prepareDataDir, startServer as startAppProcess, type AppProcess } from '../helpers/app-process';
import type { Db } from '../../src/db/knex';
import { getSettings, saveSettings } from '../../src/services/settings.service';
import { draftRecipientChunks } from '../../src/queries/draft-recipients.queries';
import { Client, taskForm } from './client';
import { SIGNATURE, TEMPLATE_2VARS } from './inputs';

interface SeededApp {
  base: string;
  signatureId: number;
  templateId: number;
  member: Client;
  admin: Client;
  /** The import limits in force (raised only when the inputs would not fit the defaults). */
  limits: { importMaxRows: number; importMaxBytes: number; raised: boolean };
  close(): Promise<void>;
}

/** An app running in this process (the dispatch suite's): its knex is `t.db`. */
export interface BenchServer extends SeededApp {
  t: TestApp;
  server: Server;
}

/** The production server in a child process (the import suite's). */
export interface ProcessServer extends SeededApp {
  proc: AppProcess;
  /** The child's pid, for /proc/<pid>/status. */
  pid: number;
  /** The bench's own knex on the app's database file. */
  db: Db;
  /** The app's time zone (the send form's schedule is typed in it). */
  timeZone: string;
  /** The app's DATA_DIR (the uploads suite counts the files left in its uploads folder). */
  dataDir: string;
  /** Stops the app with SIGTERM (a clean shutdown) and removes its DATA_DIR; fails if the app did not exit 0. */
  close(): Promise<void>;
}

type ImportTarget = BenchServer | ProcessServer;

const dbOf = (s: ImportTarget): Db => ('db' in s ? s.db : s.t.db);

const TIME_ZONE = 'Asia/Shanghai';

/**
 * Prepares a DATA_DIR (migrated database, users, catalogue, settings) and starts `node dist/server.js` on it with
 * the production defaults (log level info, dispatcher ticking every 2 s, 30 s lease; the session secret generated
 * into DATA_DIR on first start). `npm run bench` builds dist/ first.
 */
export async function startServer(largestUpload: number, rows: number): Promise<ProcessServer> {
  const data = await prepareDataDir({ timeZone: TIME_ZONE }, { prefix: 'qunfa-bench-imports-' });
  const { db, dataDir } = data;
  await addUser(db, 'mia', 'member');
  const signatureId = await approvedSignature(db, SIGNATURE);
  const templateId = await approvedTemplate(db, TEMPLATE_2VARS, 'notification', '发货通知');
  const settings = await getSettings(db, { timeZone: TIME_ZONE });
  const raise: Record<string, number> = {};
  if (settings.importMaxBytes < largestUpload) raise.importMaxBytes = Math.ceil(largestUpload / 1048576 + 1) * 1048576;
  if (settings.importMaxRows < rows) raise.importMaxRows = rows;
  if (Object.keys(raise).length > 0) await saveSettings(db, raise);
  const limits = await getSettings(db, { timeZone: TIME_ZONE });

  let proc: AppProcess;
  try {
    proc = await startAppProcess(dataDir, {
      compiled: true,
      env: { TZ: TIME_ZONE, LOG_LEVEL: 'info', DISPATCH_TICK_SECONDS: '2', DISPATCH_LEASE_SECONDS: '30' },
    });
  } catch (err) {
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const member = new Client(proc.url);
  const admin = new Client(proc.url);
  await member.login('mia', PASSWORD);
  await admin.login('admin', PASSWORD);
  return {
    proc,
    pid: proc.child.pid!,
    db,
    timeZone: limits.timeZone,
    dataDir,
    base: proc.url,
    signatureId,
    templateId,
    member,
    admin,
    limits: { importMaxRows: limits.importMaxRows, importMaxBytes: limits.importMaxBytes, raised: Object.keys(raise).length > 0 },
    async close() {
      const exit = await proc.stop('SIGTERM', 15_000);
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (exit.code !== 0) throw new Error(`the app exited with ${exit.signal ?? `code ${exit.code}`} on SIGTERM:\n${proc.output.slice(-10).join('\n')}`);
    },
  };
}

export interface ImportResult {
  /** Upload → 303, or upload → check page shown (its HTML read) with `showCheckPage`. */
  ms: number;
  taskId: string;
  messages: number;
}

const TYPES: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

/**
 * POST /tasks with the file; the clock runs from sending the form to the 303 (draft stored). Sent now unless
 * `sendAt` (the schedule as the form's datetime-local field holds it, in the app's time zone) is given.
 */
export async function postImport(s: ImportTarget, buffer: Buffer, name: string, options: { sendAt?: string; showCheckPage?: boolean } = {}): Promise<ImportResult> {
  const _csrf = await s.member.csrf('/tasks/new');
  const fields: Record<string, string> = {
    _csrf,
    smsType: 'notification',
    signatureId: String(s.signatureId),
    templateId: String(s.templateId),
    recipientsMode: 'import',
    sendMode: options.sendAt ? 'scheduled' : 'now',
  };
  if (options.sendAt) fields.sendAt = options.sendAt;
  const form = taskForm(fields, { buffer, name, type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream' });
  const started = performance.now();
  const res = await s.member.request('/tasks', { method: 'POST', body: form });
  const body = await res.text();
  let ms = performance.now() - started;
  const location = res.headers.get('location') ?? '';
  const match = /^\/tasks\/([^/]+)\/check$/.exec(location);
  if (res.status !== 303 || !match) {
    const reason = /class="field-error"[^>]*>([^<]*)</.exec(body)?.[1] ?? body.slice(0, 200);
    throw new Error(`import of ${name} answered ${res.status}: ${reason}`);
  }
  if (options.showCheckPage) {
    // Issue 15 times what the user waits for: the check page, as the browser follows the redirect.
    const page = await s.member.request(location);
    await page.text();
    ms = performance.now() - started;
    if (page.status !== 200) throw new Error(`the check page of ${name} answered ${page.status}`);
  }
  let messages = 0;
  for await (const chunk of draftRecipientChunks(dbOf(s), match[1])) messages += chunk.length;
  return { ms, taskId: match[1], messages };
}

/**
 * Confirms the draft as the check page's button does (its recipients become message rows): when it was sent (ms
 * since epoch), how long until the task was confirmed, and the task id the confirm gave the draft (its page's
 * address). A large draft is confirmed in parts in the background (issue 15): the 303 comes at once and the task
 * is `confirming` until its last part; the clock runs until then (`answerMs`: the 303 alone).
 */
export async function confirmOverHttp(s: ImportTarget, taskId: string): Promise<{ sentAt: number; ms: number; answerMs: number; taskId: string }> {
  const _csrf = await s.member.csrf(`/tasks/${taskId}/check`);
  const sentAt = Date.now();
  const started = performance.now();
  const res = await s.member.request(`/tasks/${taskId}/confirm`, { method: 'POST', body: new URLSearchParams({ _csrf }) });
  await res.arrayBuffer();
  const answerMs = performance.now() - started;
  const confirmed = /^\/tasks\/([^/?]+)$/.exec(res.headers.get('location') ?? '')?.[1];
  if (res.status !== 303 || !confirmed) throw new Error(`confirm of ${taskId} answered ${res.status}`);
  for (;;) {
    const row = (await dbOf(s)('tasks').where({ id: confirmed }).first('status')) as { status: string } | undefined;
    if (row?.status !== 'confirming') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { sentAt, ms: performance.now() - started, answerMs, taskId: confirmed };
}

/**
 * Removes a task that never started sending (a draft, or confirmed and scheduled ahead) and its rows, outside the
 * clock, so every run inserts into the same-sized tables.
 */
export async function dropDraft(s: ImportTarget, taskId: string): Promise<void> {
  // By the draft's handle too: a confirmed draft is under its task id, the handle kept in draft_id.
  const [task] = (await dbOf(s)('tasks').where({ id: taskId }).orWhere({ draft_id: taskId }).select('id', 'status', 'started_at')) as { id: string; status: string; started_at: string | null }[];
  if (task && (task.started_at !== null || !['draft', 'scheduled'].includes(task.status))) {
    throw new Error(`task ${taskId} is ${task.status}${task.started_at ? `, started at ${task.started_at}` : ''}: deleting it would race the dispatcher`);
  }
  if (!task) return;
  // A million messages in one DELETE held the write lock for longer than the app's writers wait (its dispatch tick
  // logged "database is locked"): removed 50,000 at a time first, then the task, with a pause between batches in
  // which the app's writers (retrying on a timer) find the lock free.
  for (;;) {
    const ids = dbOf(s)('messages').where({ task_id: task.id }).limit(50_000).select('id');
    if ((await dbOf(s)('messages').whereIn('id', ids).delete()) === 0) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  await dbOf(s)('tasks').where({ id: task.id }).delete();
}
