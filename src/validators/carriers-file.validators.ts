import {
  checkAccountName,
  checkSmppPassword,
  checkSmppSettings,
  isCarrierKind,
  CARRIER_KINDS,
  SMPP_FIELDS,
  type CarrierKind,
  type CarrierSettings,
  type FieldProblem,
} from '../carrier/carrier-account.fields';
import { ROUTED_SMS_TYPES } from '../carrier/carrier-route.rules';
import { checkCloudSecrets, checkCloudSettings, CLOUD_KIND_KEYS, isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import type { SmsType } from '../sms/template';

/**
 * CARRIERS_FILE, checked strictly before anything is written: a key the file should not have is as likely a typo
 * ("passwrod") as a mistake in a value, so an unknown key stops the start too. Each problem is told as one line
 * naming the field by its path in the file, e.g. `accounts[0].port must be a whole number from 1 to 65535`.
 */
export interface FileAccount {
  name: string;
  kind: CarrierKind;
  enabled: boolean;
  settings: CarrierSettings;
  /** Undefined keeps the stored password of an account that exists already. */
  password: string | undefined;
  /** A cloud kind's credentials the file gives; one left out keeps the stored one (required for a new account). */
  cloudSecrets?: Record<string, string>;
  /** Where the account is in the file, for a later message about it (`accounts[2]`). */
  path: string;
}

export interface FileRoute {
  primary: string;
  fallback: string | null;
}

/** A catalogue mapping (issue 11): by names, so it may name a template or signature that does not exist yet. */
export interface FileMapping {
  account: string;
  template: { name: string; providerRef: string; paramNames: string[] | null } | null;
  signature: { name: string; providerRef: string } | null;
  path: string;
}

export interface CarriersFile {
  accounts: FileAccount[];
  routes: Partial<Record<SmsType, FileRoute>>;
  mappings: FileMapping[];
}

export function describeProblem(problem: FieldProblem): string {
  switch (problem.rule) {
    case 'required':
      return 'is required';
    case 'tooLong':
      return `must be at most ${problem.max} characters`;
    case 'badCharacters':
      return 'contains characters that are not allowed';
    case 'wholeNumber':
      return `must be a whole number from ${problem.min} to ${problem.max}`;
    case 'trueOrFalse':
      return 'must be true or false';
    case 'oneOf':
      return `must be one of ${problem.options}`;
    case 'text':
      return 'must be a string';
  }
}

class FileProblem extends Error {}

/** `routes.marketing`: where a type's route is in the file (joined, not a template, as it names no catalogue key). */
export function routePath(smsType: string, ...rest: string[]): string {
  return ['routes', smsType, ...rest].join('.');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, what = ''): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw new FileProblem(`${path ? path + '.' : ''}${unknown} is not a known key${what} (known: ${allowed.join(', ')})`);
}

function readAccount(raw: unknown, path: string): FileAccount {
  if (!isObject(raw)) throw new FileProblem(`${path} must be an object`);
  if (!isCarrierKind(raw.kind)) throw new FileProblem(`${path}.kind must be one of ${CARRIER_KINDS.join(', ')}`);
  const kind = raw.kind;
  const common = ['name', 'kind', 'enabled'];
  const cloudKeys = isCloudProvider(kind) ? [...CLOUD_KIND_KEYS[kind].settings, ...CLOUD_KIND_KEYS[kind].secrets] : [];
  onlyKeys(raw, kind === 'smpp' ? [...common, 'password', ...SMPP_FIELDS] : [...common, ...cloudKeys], path, ` for kind ${kind}`);
  const name = checkAccountName(raw.name);
  if ('problem' in name) throw new FileProblem(`${path}.name ${describeProblem(name.problem)}`);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') throw new FileProblem(`${path}.enabled must be true or false`);
  let settings: CarrierSettings = {};
  let password: string | undefined;
  if (kind === 'smpp') {
    const checked = checkSmppSettings(raw, 'json');
    const first = SMPP_FIELDS.find((f) => checked.problems[f]);
    if (first) throw new FileProblem(`${path}.${first} ${describeProblem(checked.problems[first])}`);
    settings = checked.settings;
    if (raw.password !== undefined) {
      const pw = checkSmppPassword(raw.password);
      if ('problem' in pw) throw new FileProblem(`${path}.password ${describeProblem(pw.problem)}`);
      password = pw.value;
    }
  }
  let cloudSecrets: Record<string, string> | undefined;
  if (isCloudProvider(kind)) {
    const checked = checkCloudSettings(kind, raw, 'json');
    const first = CLOUD_KIND_KEYS[kind].settings.find((f) => checked.problems[f]);
    if (first) throw new FileProblem(`${path}.${first} ${describeProblem(checked.problems[first])}`);
    settings = checked.settings;
    // Which credentials must be given is known only against the database: checked when the file is applied.
    const secrets = checkCloudSecrets(kind, raw, new Set(CLOUD_KIND_KEYS[kind].secrets));
    const bad = CLOUD_KIND_KEYS[kind].secrets.find((f) => secrets.problems[f]);
    if (bad) throw new FileProblem(`${path}.${bad} ${describeProblem(secrets.problems[bad])}`);
    cloudSecrets = secrets.secrets;
  }
  return { name: name.value, kind, enabled: raw.enabled ?? true, settings, password, cloudSecrets, path };
}

function readRoute(raw: unknown, path: string): FileRoute {
  const asName = (v: unknown, p: string): string => {
    if (typeof v !== 'string' || v.trim() === '') throw new FileProblem(`${p} must be the name of an account`);
    return v.trim();
  };
  if (typeof raw === 'string') return { primary: asName(raw, path), fallback: null };
  if (!isObject(raw)) throw new FileProblem(`${path} must be an account name or {"primary": …, "fallback": …}`);
  onlyKeys(raw, ['primary', 'fallback'], path);
  const primary = asName(raw.primary, path + '.primary');
  const fallback = raw.fallback === undefined || raw.fallback === null ? null : asName(raw.fallback, path + '.fallback');
  if (fallback === primary) throw new FileProblem(`${path}.fallback must be another account than its primary`);
  return { primary, fallback };
}

function readMapping(raw: unknown, path: string): FileMapping {
  if (!isObject(raw)) throw new FileProblem(`${path} must be an object`);
  onlyKeys(raw, ['account', 'template', 'provider_template', 'param_names', 'signature', 'provider_signature'], path);
  const text = (key: string, max: number): string | null => {
    const v = raw[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.trim() === '') throw new FileProblem(`${path}.${key} must be a non-empty string`);
    if (v.trim().length > max) throw new FileProblem(`${path}.${key} must be at most ${max} characters`);
    return v.trim();
  };
  const account = text('account', 64);
  if (account === null) throw new FileProblem(`${path}.account is required`);
  const pair = (a: string, b: string, maxA: number) => {
    const x = text(a, maxA);
    const y = text(b, 128);
    if ((x === null) !== (y === null)) throw new FileProblem(`${path}.${x === null ? a : b} is required with ${x === null ? b : a}`);
    return x === null || y === null ? null : { name: x, providerRef: y };
  };
  const template = pair('template', 'provider_template', 64);
  const signature = pair('signature', 'provider_signature', 32);
  if (!template && !signature) throw new FileProblem(`${path} must give a template and provider_template, or a signature and provider_signature`);
  let paramNames: string[] | null = null;
  if (raw.param_names !== undefined) {
    if (!template) throw new FileProblem(`${path}.param_names goes with a template`);
    if (!Array.isArray(raw.param_names) || raw.param_names.some((n) => typeof n !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(n))) {
      throw new FileProblem(`${path}.param_names must be a list of variable names`);
    }
    paramNames = raw.param_names as string[];
  }
  return { account, template: template ? { ...template, paramNames } : null, signature, path };
}

/** The file's text, checked; `message` is the one line to print (without the CARRIERS_FILE prefix). */
export function parseCarriersFile(text: string): { ok: true; value: CarriersFile } | { ok: false; message: string } {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new FileProblem(`the file is not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (!isObject(json)) throw new FileProblem('the file must hold a JSON object with "accounts" and "routes"');
    onlyKeys(json, ['accounts', 'routes', 'mappings'], '');
    const rawAccounts = json.accounts ?? [];
    if (!Array.isArray(rawAccounts)) throw new FileProblem('accounts must be an array');
    const accounts = rawAccounts.map((a, i) => readAccount(a, `accounts[${i}]`));
    accounts.forEach((a, i) => {
      const first = accounts.findIndex((b) => b.name === a.name);
      if (first !== i) throw new FileProblem(`accounts[${i}].name "${a.name}" is already the name of accounts[${first}]`);
    });
    const rawRoutes = json.routes ?? {};
    if (!isObject(rawRoutes)) throw new FileProblem('routes must be an object');
    onlyKeys(rawRoutes, ROUTED_SMS_TYPES, 'routes');
    const routes: Partial<Record<SmsType, FileRoute>> = {};
    for (const smsType of ROUTED_SMS_TYPES) {
      if (rawRoutes[smsType] !== undefined) routes[smsType] = readRoute(rawRoutes[smsType], routePath(smsType));
    }
    const rawMappings = json.mappings ?? [];
    if (!Array.isArray(rawMappings)) throw new FileProblem('mappings must be an array');
    const mappings = rawMappings.map((m, i) => readMapping(m, `mappings[${i}]`));
    return { ok: true, value: { accounts, routes, mappings } };
  } catch (err) {
    if (err instanceof FileProblem) return { ok: false, message: err.message };
    throw err;
  }
}
