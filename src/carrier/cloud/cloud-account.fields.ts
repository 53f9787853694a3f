/**
 * The settings and credentials of the cloud kinds, and their rules: the /carriers form and CARRIERS_FILE check them
 * here (keys as the README lists them). Credentials (key id and secret) go in the account's sealed box, never in its
 * settings; the form shows neither, and an empty field on edit keeps the stored value.
 */
import { randomBytes } from 'node:crypto';
import type { FieldProblem, Problems, Source } from '../carrier-account.fields';
import type { CloudProvider } from './cloud-codes';

export interface CloudSettings {
  endpoint: string;
  /** Tencent's region (X-TC-Region); empty for the others. */
  region: string;
  /** Tencent's SMS application. */
  sdk_app_id: string;
  /** UCloud's project (empty: the default project). */
  project_id: string;
  /** How often receipts are pulled (seconds). */
  poll_seconds: number;
}

export const DEFAULT_ENDPOINTS: Readonly<Record<CloudProvider, string>> = {
  tencent: 'https://sms.tencentcloudapi.com',
  aliyun: 'https://dysmsapi.aliyuncs.com',
  ucloud: 'https://api.ucloud.cn',
};

/** Per kind: its settings keys and its two credential keys (id, then secret), in form and README order. */
export const CLOUD_KIND_KEYS: Readonly<Record<CloudProvider, { settings: readonly (keyof CloudSettings)[]; secrets: readonly [string, string] }>> = {
  tencent: { settings: ['endpoint', 'region', 'sdk_app_id', 'poll_seconds'], secrets: ['secret_id', 'secret_key'] },
  aliyun: { settings: ['endpoint', 'poll_seconds'], secrets: ['access_key_id', 'access_key_secret'] },
  ucloud: { settings: ['endpoint', 'project_id', 'poll_seconds'], secrets: ['public_key', 'private_key'] },
};

export const SECRET_MAX = 256;
export const POLL_MIN = 5;
export const POLL_MAX = 3600;
export const POLL_DEFAULT = 30;

export function isCloudProvider(kind: unknown): kind is CloudProvider {
  return kind === 'tencent' || kind === 'aliyun' || kind === 'ucloud';
}

function text(raw: unknown, max: number, pattern?: RegExp): { value: string } | { problem: FieldProblem } {
  if (raw !== undefined && raw !== null && typeof raw !== 'string') return { problem: { rule: 'text' } };
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (value.length > max) return { problem: { rule: 'tooLong', max } };
  if (value !== '' && pattern && !pattern.test(value)) return { problem: { rule: 'badCharacters' } };
  return { value };
}

function endpoint(raw: unknown, kind: CloudProvider): { value: string } | { problem: FieldProblem } {
  const read = text(raw, 253);
  if ('problem' in read) return read;
  if (read.value === '') return { value: DEFAULT_ENDPOINTS[kind] };
  try {
    const url = new URL(read.value);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) return { problem: { rule: 'badCharacters' } };
    return { value: url.origin + url.pathname.replace(/\/+$/, '') };
  } catch {
    return { problem: { rule: 'badCharacters' } };
  }
}

function poll(raw: unknown, source: Source): { value: number } | { problem: FieldProblem } {
  if (raw === undefined || raw === null || (source === 'form' && raw === '')) return { value: POLL_DEFAULT };
  const n = source === 'form' && typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < POLL_MIN || n > POLL_MAX) return { problem: { rule: 'wholeNumber', min: POLL_MIN, max: POLL_MAX } };
  return { value: n };
}

/** The kind's settings from a form (strings) or CARRIERS_FILE (JSON values); a key left out takes its default. */
export function checkCloudSettings(kind: CloudProvider, input: Record<string, unknown>, source: Source): { settings: CloudSettings; problems: Problems } {
  const problems: Problems = {};
  const settings: CloudSettings = { endpoint: DEFAULT_ENDPOINTS[kind], region: '', sdk_app_id: '', project_id: '', poll_seconds: POLL_DEFAULT };
  const take = <K extends keyof CloudSettings>(key: K, read: { value: CloudSettings[K] } | { problem: FieldProblem }) => {
    if ('problem' in read) problems[key] = read.problem;
    else settings[key] = read.value;
  };
  take('endpoint', endpoint(input.endpoint, kind));
  take('poll_seconds', poll(input.poll_seconds, source));
  if (kind === 'tencent') {
    const region = text(input.region, 32, /^[a-z0-9-]+$/);
    take('region', 'value' in region && region.value === '' ? { value: 'ap-guangzhou' } : region);
    const app = text(input.sdk_app_id, 20, /^\d+$/);
    take('sdk_app_id', 'value' in app && app.value === '' ? { problem: { rule: 'required' } } : app);
  }
  if (kind === 'ucloud') take('project_id', text(input.project_id, 64, /^[A-Za-z0-9_-]+$/));
  return { settings, problems };
}

/**
 * The credentials given. `keep` lists those already stored: one left out (or empty on the form) keeps it; one
 * neither given nor stored is required.
 */
export function checkCloudSecrets(kind: CloudProvider, input: Record<string, unknown>, keep: ReadonlySet<string>): { secrets: Record<string, string>; problems: Problems } {
  const secrets: Record<string, string> = {};
  const problems: Problems = {};
  for (const key of CLOUD_KIND_KEYS[kind].secrets) {
    const raw = input[key];
    if (raw === undefined || raw === null || raw === '') {
      if (!keep.has(key)) problems[key] = { rule: 'required' };
      continue;
    }
    if (typeof raw !== 'string') problems[key] = { rule: 'text' };
    else if (raw.trim().length > SECRET_MAX) problems[key] = { rule: 'tooLong', max: SECRET_MAX };
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f\s]/.test(raw.trim())) problems[key] = { rule: 'badCharacters' };
    else secrets[key] = raw.trim();
  }
  return { secrets, problems };
}

/** The token of the account's callback URL: 32 random bytes, URL-safe. */
export function newCallbackToken(): string {
  return randomBytes(32).toString('base64url');
}
