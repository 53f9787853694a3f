import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT_DIR } from '../../src/config';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { saveSettings, type Settings } from '../../src/services/settings.service';
import { DEFAULT_STUB_SETTINGS, type StubCarrierSettings } from '../../src/carrier/stub.carrier';
import { addUser } from './app';
import { createPgDatabase, onPostgres } from './test-db';

/**
 * Real app processes on a database file the caller prepared: for the fault tests `node src/server.ts` (compiled on
 * the fly by SWC), for the import bench `node dist/server.js` (the tsc output, as `npm start` runs it). Every
 * process started here is remembered, so `killAllProcesses` in an afterEach/afterAll leaves nothing running even
 * when a test fails half-way.
 */

const SERVER_ENTRY = path.join(ROOT_DIR, 'src', 'server.ts');
/** What `npm start` runs; `npm run build` writes it. */
export const COMPILED_SERVER_ENTRY = path.join(ROOT_DIR, 'dist', 'server.js');
const REGISTER_TS = path.join(ROOT_DIR, 'test', 'helpers', 'register-ts.js');

export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** stdout and stderr, line by line (the app logs one JSON line per event). */
  readonly output: string[];
  /** Resolves when the process has exited (code, or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** Sends the signal and waits for the exit, at most `timeoutMs` (then SIGKILL). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<AppProcess>();
const tempDirs = new Set<string>();
// Last resort if the test process ends without its afterAll (a crash, a forced exit): no child outlives it.
process.once('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix = 'qunfa-fault-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export interface PreparedData {
  dataDir: string;
  databaseFile: string;
  /** An open knex on the same file (WAL lets it read while the children write); destroy it in afterEach. */
  db: Db;
  /** Under `npm run test:pg`: the PostgreSQL database the processes share instead of the file (test-db.ts). */
  databaseUrl?: string;
}

/**
 * Under `npm run test:pg` the prepared data lives in a PostgreSQL database of its own: what a process started on
 * the DATA_DIR must be told (DATABASE_URL, and the SESSION_SECRET every instance then shares), and how to drop it.
 */
const postgresOf = new Map<string, { env: Record<string, string>; drop(): Promise<void> }>();
const SHARED_SESSION_SECRET = 'fault-tests-share-this-session-secret-0123456789';

/**
 * A fresh DATA_DIR with a migrated database, an admin (id 1), and the settings given over a quiet stub
 * (receipts after 0–200 ms, every message delivered unless a failure mix is given).
 */
export async function prepareDataDir(
  settings: Partial<Omit<Settings, 'stubCarrier'>> & { stubCarrier?: Partial<StubCarrierSettings> } = {},
  options: { prefix?: string } = {},
): Promise<PreparedData> {
  const dataDir = makeTempDir(options.prefix);
  const databaseFile = path.join(dataDir, 'qunfa.sqlite');
  const pg = onPostgres() ? await createPgDatabase(true) : undefined;
  if (pg) postgresOf.set(dataDir, { env: { DATABASE_URL: pg.url, SESSION_SECRET: SHARED_SESSION_SECRET }, drop: pg.drop });
  const db = createDb(pg?.url ?? databaseFile);
  if (!pg) await migrateLatest(db);
  await addUser(db, 'admin', 'admin');
  const { stubCarrier, ...rest } = settings;
  await saveSettings(db, {
    ...rest,
    stubCarrier: { ...DEFAULT_STUB_SETTINGS, delayMinMs: 0, delayMaxMs: 200, failureMix: {}, ...stubCarrier },
  });
  return { dataDir, databaseFile, db, databaseUrl: pg?.url };
}

/** The variables `npm start` sets before `node dist/server.js` (package.json), so a compiled server runs as it would. */
export function startScriptEnv(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const assignments = /^((?:\w+=\S+\s+)*)node\b/.exec(pkg.scripts.start)?.[1] ?? '';
  return Object.fromEntries(assignments.trim().split(/\s+/).filter(Boolean).map((a) => a.split('=') as [string, string]));
}

/**
 * Starts `src/server.ts` on `dataDir` and resolves once /healthz answers 200. `compiled: true` starts
 * `dist/server.js` with plain node instead (no SWC in the process nor in its worker threads); build it first.
 */
export async function startServer(
  dataDir: string,
  options: { env?: Record<string, string>; port?: number; readyTimeoutMs?: number; compiled?: boolean } = {},
): Promise<AppProcess> {
  const proc = await spawnServer(dataDir, options);
  try {
    await waitForHealthy(proc, options.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}

/** Starts the server as `startServer` does without waiting for it to be ready: for a start that is meant to fail. */
export async function spawnServer(dataDir: string, options: { env?: Record<string, string>; port?: number; compiled?: boolean } = {}): Promise<AppProcess> {
  if (options.compiled && !fs.existsSync(COMPILED_SERVER_ENTRY)) throw new Error(`${COMPILED_SERVER_ENTRY} is missing: run \`npm run build\` first`);
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(options.compiled ? startScriptEnv() : {}),
    DATA_DIR: dataDir,
    PORT: String(port),
    DISPATCH_LEASE_SECONDS: '2',
    DISPATCH_TICK_SECONDS: '1',
    LOG_LEVEL: 'warn',
    ...postgresOf.get(dataDir)?.env,
    ...options.env,
  };
  // Jest's own variables would only confuse the child.
  delete env.JEST_WORKER_ID;
  const args = options.compiled ? [COMPILED_SERVER_ENTRY] : ['-r', REGISTER_TS, SERVER_ENTRY];
  const child = spawn(process.execPath, args, { cwd: ROOT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      output.push(...lines);
    });
    stream?.on('end', () => rest && output.push(rest));
  };
  collect(child.stdout);
  collect(child.stderr);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      running.delete(proc);
      resolve({ code, signal });
    });
  });
  const proc: AppProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    exited,
    hasExited: () => done,
    async stop(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000) {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => !done && child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  running.add(proc);
  return proc;
}

/** Polls /healthz until it answers 200; fails early if the process exits. */
export async function waitForHealthy(proc: AppProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) throw new Error(`server exited before it was ready:\n${proc.output.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server not healthy within ${timeoutMs} ms:\n${proc.output.slice(-20).join('\n')}`);
    await sleep(100);
  }
}

/** SIGKILLs every process still running (for afterEach/afterAll), waiting for each exit. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL', 5_000)));
}

/** A fault test's afterEach: every process killed, the test's database (if it prepared one) closed, the temp dirs removed. */
export async function cleanUpAfterTest(data: PreparedData | undefined): Promise<void> {
  await killAllProcesses();
  await data?.db.destroy();
  const pg = data && postgresOf.get(data.dataDir);
  if (pg) {
    postgresOf.delete(data.dataDir);
    await pg.drop();
  }
  removeTempDirs();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a truthy value (which is returned), at most `timeoutMs`; the error names
 * `what` and the last value seen, so a stuck run says where it stuck.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(intervalMs);
  }
}

/** How many messages of the task are in each status (only statuses that occur). */
export async function messageCounts(db: Db, taskId: string): Promise<Record<string, number>> {
  const rows = (await db('messages').where({ task_id: taskId }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Log lines of the process at level error, or that are not JSON at all (a stack trace, a crash). */
export function errorLines(proc: AppProcess): string[] {
  return proc.output.filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { level?: string }).level === 'error';
    } catch {
      return true;
    }
  });
}

/** The `name=value` of the session cookie set by a response, if any. */
function sessionCookie(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .find((pair) => pair.startsWith('qunfa.sid='));
}

/** Logs in over HTTP as a browser would (CSRF token from the login page) and returns the session's Cookie header. */
export async function loginOverHttp(proc: AppProcess, username: string, password: string): Promise<string> {
  const page = await fetch(`${proc.url}/login`, { redirect: 'manual' });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  let cookie = sessionCookie(page);
  if (!csrf || !cookie) throw new Error(`no login form (status ${page.status})`);
  const res = await fetch(`${proc.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`login as ${username} failed: ${res.status}`);
  cookie = sessionCookie(res) ?? cookie;
  return cookie;
}

/** The message counts by status shown on the task page (/tasks/:id, `data-count="<status>"`). */
export async function taskPageCounts(proc: AppProcess, cookie: string, taskId: string): Promise<Record<string, number>> {
  const res = await fetch(`${proc.url}/tasks/${taskId}`, { headers: { cookie }, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`GET /tasks/${taskId} answered ${res.status}`);
  const html = await res.text();
  // Counts are shown grouped in the page's language ("1,000").
  return Object.fromEntries([...html.matchAll(/data-count="(\w+)">(\d{1,3}(?:,\d{3})*)</g)].map((m) => [m[1], Number(m[2].replace(/,/g, ''))]));
}
