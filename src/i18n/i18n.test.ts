import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config';
import { en } from './en';
import { zhCN } from './zh-CN';
import { isLocale, negotiateLocale, translator } from './i18n';
import { ROLES } from '../queries/users.queries';
import { REVIEW_STATUSES, type CatalogueTable } from '../queries/catalogue.queries';
import { SMS_TYPES, type TemplateErrorCode } from '../sms/template';
import type { SignatureErrorCode } from '../sms/signature';
import { allowedActions, type ReviewAction } from '../services/catalogue.service';
import { TASK_STATUSES } from '../queries/tasks.queries';
import type { ImportErrorCode } from '../imports/import-types';
import type { PhoneReason } from '../sms/phone';
import type { RowProblem } from '../sms/recipient-check';
import type { TaskAction } from '../services/task-actions.service';
import { MESSAGE_STATUSES } from '../queries/messages.queries';
import { SMPP_STATUS_NAMES } from '../carrier/smpp-errors';
import { BIND_MODES, CARRIER_KINDS, LONG_MESSAGE_MODES, RECEIPT_ID_FORMATS, type FieldProblem } from '../carrier/carrier-account.fields';
import type { RouteProblem } from '../carrier/carrier-route.rules';
import { CARRIER_STATES } from '../queries/carrier-accounts.queries';
import { OPT_OUT_SOURCES } from '../queries/opt-outs.queries';
import { AUDIT_ACTIONS, AUDIT_ACTOR_KINDS, AUDIT_OBJECT_TYPES } from '../audit/audit-actions';
import { CLOUD_CODE_KINDS, CLOUD_PROVIDERS } from '../carrier/cloud/cloud-codes';
import { CLOUD_KIND_KEYS } from '../carrier/cloud/cloud-account.fields';

// Records over the union types: adding a code without listing it here is a compile error.
const IMPORT_ERROR_CODES: Record<ImportErrorCode, true> = {
  empty_file: true, no_rows: true, unsupported_type: true, type_mismatch: true, encrypted: true, corrupt: true,
  zip_bomb: true, sheet_too_large: true, too_many_rows: true, too_large: true, params_in_txt: true, busy: true,
};
const PHONE_REASONS: Record<PhoneReason, true> = { empty: true, length: true, not_mobile: true, invalid_chars: true, scientific: true, not_integer: true };
const ROW_PROBLEMS: Record<Exclude<RowProblem['code'], 'phone'>, true> = { param_count: true, too_long: true, params_not_allowed: true, undecodable: true, control_chars: true, opted_out: true, frequency_cap: true };

describe('negotiateLocale', () => {
  test.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['ZH-hans-CN', 'zh-CN'],
    ['en-US,en;q=0.9', 'en'],
    ['en-GB', 'en'],
    ['fr-FR', 'en'],
    ['fr-FR, zh;q=0.5', 'zh-CN'],
    ['en;q=0.5, zh-CN;q=0.8', 'zh-CN'],
    ['zh-CN;q=0.4, en;q=0.6', 'en'],
    ['zh;q=0, en', 'en'],
    ['zh;q=0', 'en'],
    ['*', 'en'],
    ['de;q=abc, zh', 'zh-CN'],
    [' , ;q=1', 'en'],
  ])('%p -> %s', (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });
});

describe('isLocale', () => {
  test('only the two catalogues', () => {
    expect(isLocale('en')).toBe(true);
    expect(isLocale('zh-CN')).toBe(true);
    for (const v of ['zh', 'zh-cn', 'fr', '', undefined, null, 1]) expect(isLocale(v)).toBe(false);
  });
});

describe('translator', () => {
  const t = translator('en');
  const zh = translator('zh-CN');

  test('translates per locale', () => {
    expect(t('nav.signatures')).toBe('Signatures');
    expect(zh('nav.signatures')).toBe('签名管理');
  });

  test('fills the given named placeholders', () => {
    expect(t('login.throttled', { minutes: 7 })).toBe('Too many failed attempts. Wait 7 minutes and try again.');
    expect(t('users.created', { username: 'ann' })).toBe('User ann created.');
  });

  test('leaves SMS variables such as {1} and unknown placeholders intact', () => {
    const hint = t('templates.contentHint', { phrases: '回T退订' });
    expect(hint).toContain('{1}, {2}');
    expect(hint).toContain('回T退订');
    expect(hint).not.toContain('{phrases}');
    expect(t('templates.contentHint', { 1: 'x' } as Record<string, string>)).toContain('x, {2}');
    expect(t('users.created')).toBe('User {username} created.');
    expect(t('users.created', { other: 'x' })).toBe('User {username} created.');
  });

  test('a parameter value is inserted literally, never re-read as a placeholder or a replace pattern', () => {
    expect(t('users.created', { username: '{username} $& $1' })).toBe('User {username} $& $1 created.');
  });

  test('{name|one|other} picks the English word by the count, grouped or not; Chinese has no plural', () => {
    expect(t('tasks.reasons.param_count', { expected: 1, found: 2 })).toBe('expects 1 parameter, found 2');
    expect(t('tasks.reasons.param_count', { expected: 2, found: 1 })).toBe('expects 2 parameters, found 1');
    expect(t('tasks.detail.detailsRemoved', { days: '1' })).toContain('kept for 1 day after');
    expect(t('tasks.detail.detailsRemoved', { days: '1,000' })).toContain('kept for 1,000 days after');
    expect(t('tasks.sendAtHint', { days: 0 })).toBe('At least 1 minute from now and at most 0 days ahead.');
    expect(zh('tasks.reasons.param_count', { expected: 1, found: 2 })).toBe('需要 1 个参数，实际 2 个');
    // Without its param the form stays as written, like any placeholder.
    expect(t('tasks.sendAtHint')).toContain('{days} {days|day|days}');
  });

  test('an unknown key shows the key itself rather than failing the page', () => {
    expect(t('no.such.key')).toBe('no.such.key');
    expect(t('toString')).toBe('toString');
  });
});

describe('catalogues', () => {
  const enKeys = Object.keys(en).sort();

  test('zh-CN has exactly the keys of en', () => {
    expect(Object.keys(zhCN).sort()).toEqual(enKeys);
  });

  test('no message is empty in either language', () => {
    for (const [name, catalogue] of [['en', en], ['zh-CN', zhCN]] as const) {
      const empty = Object.entries(catalogue).filter(([, v]) => typeof v !== 'string' || v.trim() === '').map(([k]) => k);
      expect({ name, empty }).toEqual({ name, empty: [] });
    }
  });

  test('each Chinese message has the same placeholders as the English one', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differing = enKeys.filter((k) => placeholders(en[k as keyof typeof en]).join() !== placeholders(zhCN[k as keyof typeof en]).join());
    expect(differing).toEqual([]);
  });

  test('the Chinese catalogue is actually translated', () => {
    const untranslated = enKeys.filter((k) => /[A-Za-z]{4,}/.test(en[k as keyof typeof en]) && !/[\u4e00-\u9fff]/.test(zhCN[k as keyof typeof en]));
    // Product names and formats may stay as they are; everything else must carry Chinese text.
    expect(untranslated.filter((k) => !['nav.apiKeys'].includes(k))).toEqual([]);
  });
});

/**
 * Keys built at run time cannot be found by reading the source, so each pattern is listed here with every
 * value it can take. The Record types make the compiler reject a list that misses (or invents) a code.
 */
const SIGNATURE_CODES: Record<SignatureErrorCode, true> = { required: true, brackets: true, chars: true, too_short: true, too_long: true };
const TEMPLATE_CODES: Record<TemplateErrorCode, true> = {
  name_required: true,
  name_too_long: true,
  type_invalid: true,
  content_required: true,
  content_too_long: true,
  variable_zero: true,
  variable_gap: true,
  variable_malformed: true,
  variable_fullwidth: true,
  only_variables: true,
  verification_needs_variable: true,
  marketing_needs_unsubscribe: true,
};
const REVIEW_ACTIONS: Record<ReviewAction, true> = { approve: true, reject: true, disable: true, enable: true };
const CATALOGUE_TABLES: Record<CatalogueTable, true> = { signatures: true, templates: true };
/** Each task action's button, its confirm question and its two outcomes (`tasks.actions.${a}Done` …). */
const TASK_ACTIONS: Record<TaskAction, true> = { cancel: true, stop: true };
const TASK_ACTION_KEYS = Object.keys(TASK_ACTIONS).flatMap((a) => ['', 'Confirm', 'Done', 'TooLate'].map((s) => a + s));

// Typed records, so a new field problem or route problem without its message fails to compile here.
const CARRIER_FIELD_PROBLEMS: Record<FieldProblem['rule'], true> = { required: true, tooLong: true, badCharacters: true, wholeNumber: true, trueOrFalse: true, oneOf: true, text: true };
const ROUTE_PROBLEMS: Record<RouteProblem, true> = { primaryRequired: true, unknownAccount: true, disabledAccount: true, sameAsPrimary: true };
const DYNAMIC_PREFIXES: Record<string, readonly string[]> = {
  'roles.': ROLES,
  'smsTypes.': SMS_TYPES,
  'review.status.': REVIEW_STATUSES,
  'review.done.': Object.keys(REVIEW_ACTIONS),
  'signatures.errors.': Object.keys(SIGNATURE_CODES),
  'templates.errors.': Object.keys(TEMPLATE_CODES),
  'tasks.status.': TASK_STATUSES,
  'tasks.importErrors.': Object.keys(IMPORT_ERROR_CODES),
  'tasks.reasons.': [...Object.keys(PHONE_REASONS).map((r) => `phone_${r}`), ...Object.keys(ROW_PROBLEMS)],
  'tasks.actions.': TASK_ACTION_KEYS,
  'messages.status.': MESSAGE_STATUSES,
  'smpp.status.': Object.values(SMPP_STATUS_NAMES),
  'carriers.kinds.': CARRIER_KINDS,
  'carriers.state.': CARRIER_STATES,
  'carriers.errors.': Object.keys(CARRIER_FIELD_PROBLEMS),
  'carriers.routes.errors.': Object.keys(ROUTE_PROBLEMS),
  'carriers.smpp.bindModes.': BIND_MODES,
  'carriers.smpp.longMessageModes.': LONG_MESSAGE_MODES,
  'carriers.smpp.receiptIdFormats.': RECEIPT_ID_FORMATS,
  'optOuts.sources.': OPT_OUT_SOURCES,
  'optOuts.actions.': ['add', 'remove'],
  'audit.actions.': AUDIT_ACTIONS,
  'audit.objectTypes.': AUDIT_OBJECT_TYPES,
  'audit.actorKinds.': AUDIT_ACTOR_KINDS,
  // Issue 11: the cloud kinds' codes and fields.
  'cloud.code.': CLOUD_PROVIDERS.flatMap((p) => Object.keys(CLOUD_CODE_KINDS[p]).map((c) => `${p}.${c}`)),
  'mappings.mismatch.': ['variables', 'text'],
  'carriers.cloud.': [...new Set(CLOUD_PROVIDERS.flatMap((p) => [...CLOUD_KIND_KEYS[p].settings, ...CLOUD_KIND_KEYS[p].secrets]))],
};
/** `${kind.table}.title` and the like. */
const DYNAMIC_SUFFIXES: Record<string, readonly string[]> = {
  '.title': Object.keys(CATALOGUE_TABLES),
  '.new': Object.keys(CATALOGUE_TABLES),
};

function sourceFiles(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full, exts));
    else if (exts.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

interface Found {
  keys: Map<string, string>;
  prefixes: Map<string, string>;
  suffixes: Map<string, string>;
}

function scanSources(): Found {
  const catalogueFiles = [path.join(ROOT_DIR, 'src/i18n/en.ts'), path.join(ROOT_DIR, 'src/i18n/zh-CN.ts')];
  const files = [...sourceFiles(path.join(ROOT_DIR, 'src'), ['.ts']), ...sourceFiles(path.join(ROOT_DIR, 'views'), ['.ejs'])].filter(
    (f) => !catalogueFiles.includes(f),
  );
  const namespaces = [...new Set(Object.keys(en).map((k) => k.split('.')[0]))];
  const ns = namespaces.join('|');
  const staticPatterns = [
    /\bt\(\s*(['"])([^'"\n]+)\1\s*[,)]/g, // t('key') / res.locals.t('key', {...})
    /\bkey:\s*(['"])([^'"\n]+)\1/g, // { key: 'x.y' }
    /\bflash\(\s*\w+\s*,\s*(['"])([^'"\n]+)\1/g, // flash(req, 'x.y')
    /\bHttpError\(\s*\d+\s*,\s*(['"])([^'"\n]+)\1/g, // new HttpError(404, 'x.y')
    new RegExp(`(['"])((?:${ns})\\.[A-Za-z0-9_.]*[A-Za-z0-9_])\\1`, 'g'), // any other literal in a catalogue namespace
  ];
  const found: Found = { keys: new Map(), prefixes: new Map(), suffixes: new Map() };
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const where = (index: number) => `${path.relative(ROOT_DIR, file)}:${text.slice(0, index).split('\n').length}`;
    for (const re of staticPatterns) {
      for (const m of text.matchAll(re)) if (!found.keys.has(m[2])) found.keys.set(m[2], where(m.index));
    }
    for (const m of text.matchAll(/(['"])([A-Za-z]+\.(?:[A-Za-z0-9_]+\.)*)\1\s*\+/g)) found.prefixes.set(m[2], where(m.index));
    for (const m of text.matchAll(/`([A-Za-z]+\.(?:[A-Za-z0-9_]+\.)*)\$\{/g)) found.prefixes.set(m[1], where(m.index));
    for (const m of text.matchAll(/`\$\{[^}`]+\}(\.[A-Za-z0-9_.]+)`/g)) found.suffixes.set(m[1], where(m.index));
  }
  return found;
}

describe('every key the code and views use exists', () => {
  const found = scanSources();

  test('the scan finds the keys (sanity check of the scanner itself)', () => {
    expect(found.keys.get('login.invalid')).toMatch(/auth\.handlers\.ts/);
    expect(found.keys.get('nav.signatures')).toMatch(/nav-links\.ejs/);
    expect(found.keys.get('users.stateDisabled')).toBeDefined(); // a literal inside t(a ? 'x' : 'y')
    expect(found.keys.get('errors.notFound')).toBeDefined();
    expect([...found.prefixes.keys()]).toEqual(expect.arrayContaining(['roles.', 'smsTypes.', 'review.status.', 'review.done.']));
    expect(found.keys.size).toBeGreaterThan(100);
  });

  test('literal keys are in the English catalogue', () => {
    const missing = [...found.keys].filter(([k]) => !(k in en)).map(([k, where]) => `${k} (${where})`);
    expect(missing).toEqual([]);
  });

  test('every key built at run time is one of the patterns listed in this test', () => {
    const unlisted = [
      ...[...found.prefixes].filter(([p]) => !(p in DYNAMIC_PREFIXES)).map(([p, where]) => `${p}… (${where})`),
      ...[...found.suffixes].filter(([s]) => !(s in DYNAMIC_SUFFIXES)).map(([s, where]) => `…${s} (${where})`),
    ];
    expect(unlisted).toEqual([]);
  });

  test('every expansion of those patterns is in the English catalogue', () => {
    const expanded = [
      ...Object.entries(DYNAMIC_PREFIXES).flatMap(([prefix, values]) => values.map((v) => prefix + v)),
      ...Object.entries(DYNAMIC_SUFFIXES).flatMap(([suffix, values]) => values.map((v) => v + suffix)),
    ];
    expect(expanded.filter((k) => !(k in en))).toEqual([]);
  });

  test('the review actions listed are the ones the workflow offers', () => {
    const offered = new Set(REVIEW_STATUSES.flatMap((s) => allowedActions(s)));
    expect([...offered].sort()).toEqual(Object.keys(REVIEW_ACTIONS).sort());
  });
});
