import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';
import { checkUsername, PASSWORD_MIN } from './validators/users.validators';
import type { FieldErrors } from './validators/validation';

export const ROOT_DIR = path.resolve(__dirname, '..');
/** Where the database lives when DATA_DIR is unset (relative to the working directory), and its name there. */
export const DEFAULT_DATA_DIR = './data';
export const DATABASE_FILE_NAME = 'qunfa.sqlite';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface Config {
  readonly port: number;
  readonly dataDir: string;
  readonly databaseFile: string;
  /** DATABASE_URL (postgres://…): PostgreSQL instead of the SQLite file, for several instances on one database. */
  readonly databaseUrl?: string;
  /** DATABASE_POOL_MAX: connections each process keeps to PostgreSQL at most. */
  readonly databasePoolMax?: number;
  readonly sessionSecret: string;
  /** The AES-256 key that seals carrier passwords (QUNFA_SECRET_KEY, or DATA_DIR/secret-key made at first start). */
  readonly secretKey: Buffer;
  readonly trustProxy: boolean | number | string;
  readonly timeZone: string;
  readonly adminUsername?: string;
  readonly adminPassword?: string;
  readonly logLevel: LogLevel;
  /** How long a dispatching process holds a task before another may take it over (its process died). */
  readonly dispatchLeaseMs: number;
  /** Seconds between dispatcher ticks (node-cron, at most 5). */
  readonly dispatchTickSeconds: number;
  /** Import worker threads running at once, process-wide (IMPORT_WORKERS); more imports wait in a queue. */
  readonly importWorkers?: number;
  /** Imports allowed to wait for a worker; beyond them the form answers "busy, try again" (503). */
  readonly importQueueLength?: number;
  /** CARRIERS_FILE: carrier accounts and routes applied at every start (src/services/carriers-file.service.ts). */
  readonly carriersFile?: string;
  /** An upload whose body sends no byte for this long is aborted (UPLOAD_IDLE_SECONDS). */
  readonly uploadIdleMs?: number;
  /** An upload whose body takes longer than this in all is aborted. */
  readonly uploadTotalMs?: number;
}

/** Raised for a bad environment value; server.ts prints its message as the one line and exits. */
export class ConfigError extends Error {}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** What express (proxy-addr) accepts in the list: a name, an address, or address/prefix-length|netmask. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const slash = entry.lastIndexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const range = entry.slice(slash + 1);
  if (/^\d+$/.test(range)) return Number(range) >= 1 && Number(range) <= (version === 4 ? 32 : 128);
  return version === 4 && net.isIPv4(range);
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  // Anything express would refuse must stop here with the one-line message, not later in createApp with a stack.
  if (raw.split(',').every((entry) => isProxyEntry(entry.trim()))) return raw;
  throw new ConfigError(`TRUST_PROXY must be true, false, a hop count or a list of addresses, got "${raw}"`);
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseTimeZone(raw: string | undefined): string {
  if (raw === undefined || raw === '') return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (!isValidTimeZone(raw)) throw new ConfigError(`TZ must be an IANA time zone such as Asia/Shanghai, got "${raw}"`);
  return raw;
}

/** A whole number from min to max, or the fallback when unset; `what` names the kind of number in the error. */
function parseWholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number, what = 'a whole number'): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new ConfigError(`${name} must be ${what} from ${min} to ${max}, got "${raw}"`);
  return n;
}

function parseSeconds(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  return parseWholeNumber(name, raw, fallback, min, max, 'a whole number of seconds');
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  if (!LOG_LEVELS.includes(raw as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw as LogLevel;
}

function parseAdmin(env: NodeJS.ProcessEnv): { adminUsername?: string; adminPassword?: string } {
  const username = env.ADMIN_USERNAME || undefined;
  const password = env.ADMIN_PASSWORD || undefined;
  if (Boolean(username) !== Boolean(password)) {
    throw new ConfigError('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  const usernameErrors: FieldErrors = {};
  if (username !== undefined) checkUsername(username, usernameErrors);
  if (usernameErrors.username) {
    throw new ConfigError(`ADMIN_USERNAME must be 3 to 32 letters, digits, dots, dashes or underscores, got "${username}"`);
  }
  if (password !== undefined && password.length < PASSWORD_MIN) {
    throw new ConfigError(`ADMIN_PASSWORD must be at least ${PASSWORD_MIN} characters`);
  }
  return { adminUsername: username, adminPassword: password };
}

/**
 * A secret baked into the code would let anyone forge sessions, so without SESSION_SECRET one is
 * generated on first start and kept in DATA_DIR, where it survives restarts.
 */
function resolveSessionSecret(raw: string | undefined, dataDir: string): string {
  if (raw !== undefined && raw !== '') {
    if (raw.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters');
    return raw;
  }
  const file = path.join(dataDir, 'session-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export const SECRET_KEY_FILE_NAME = 'secret-key';

/** 32 bytes written as 64 hex digits or as base64 (standard or url-safe); null for anything else. */
function decodeSecretKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const key = Buffer.from(text, 'base64');
  return key.length === 32 ? key : null;
}

/**
 * Like the session secret: without QUNFA_SECRET_KEY a key is generated at first start and kept in DATA_DIR. Losing
 * that file loses the carrier passwords (they must be typed again), so the README says to back it up with the database.
 */
function resolveSecretKey(raw: string | undefined, dataDir: string): Buffer {
  if (raw !== undefined && raw !== '') {
    const key = decodeSecretKey(raw.trim());
    if (!key) throw new ConfigError('QUNFA_SECRET_KEY must be 32 bytes written as base64 or as 64 hex digits');
    return key;
  }
  const file = path.join(dataDir, SECRET_KEY_FILE_NAME);
  if (fs.existsSync(file)) {
    const key = decodeSecretKey(fs.readFileSync(file, 'utf8').trim());
    if (!key) throw new ConfigError(`${file} must hold 32 bytes written as base64 or as 64 hex digits`);
    return key;
  }
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}

/** postgres:// or postgresql://, what knex's pg client (node-postgres) takes; undefined for SQLite, the default. */
function parseDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^postgres(?:ql)?:\/\/./.test(raw)) throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  return raw;
}

function prepareDataDir(raw: string | undefined): string {
  const dir = path.resolve(raw && raw !== '' ? raw : DEFAULT_DATA_DIR);
  try {
    // The database and the session secret live here: no other user of the machine may list or read them.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new ConfigError(`DATA_DIR must be a writable directory, got "${raw ?? DEFAULT_DATA_DIR}"`);
  }
  return dir;
}

/** Reads the environment once; every module receives the frozen result instead of reading process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = parsePort(env.PORT);
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  const timeZone = parseTimeZone(env.TZ);
  const logLevel = parseLogLevel(env.LOG_LEVEL);
  const admin = parseAdmin(env);
  const dataDir = prepareDataDir(env.DATA_DIR);
  const databaseUrl = parseDatabaseUrl(env.DATABASE_URL);
  // Every instance must sign sessions and API cursors alike; a secret generated per DATA_DIR would differ per box.
  if (databaseUrl && !env.SESSION_SECRET) throw new ConfigError('SESSION_SECRET must be set when DATABASE_URL is (every instance must share it)');
  const sessionSecret = resolveSessionSecret(env.SESSION_SECRET, dataDir);
  const secretKey = resolveSecretKey(env.QUNFA_SECRET_KEY, dataDir);
  return Object.freeze({
    port,
    dataDir,
    databaseFile: path.join(dataDir, DATABASE_FILE_NAME),
    databaseUrl,
    databasePoolMax: parseWholeNumber('DATABASE_POOL_MAX', env.DATABASE_POOL_MAX, 10, 2, 1000),
    sessionSecret,
    secretKey,
    trustProxy,
    timeZone,
    logLevel,
    dispatchLeaseMs: parseSeconds('DISPATCH_LEASE_SECONDS', env.DISPATCH_LEASE_SECONDS, 30, 2, 3600) * 1000,
    dispatchTickSeconds: parseSeconds('DISPATCH_TICK_SECONDS', env.DISPATCH_TICK_SECONDS, 2, 1, 5),
    importWorkers: parseWholeNumber('IMPORT_WORKERS', env.IMPORT_WORKERS, 2, 1, 16),
    carriersFile: env.CARRIERS_FILE ? path.resolve(env.CARRIERS_FILE) : undefined,
    uploadIdleMs: parseSeconds('UPLOAD_IDLE_SECONDS', env.UPLOAD_IDLE_SECONDS, 30, 5, 600) * 1000,
    ...admin,
  });
}
