import {
  checkAccountName,
  checkSmppPassword,
  checkSmppSettings,
  isCarrierKind,
  SMPP_FIELDS,
  type CarrierKind,
  type CarrierSettings,
  type FieldProblem,
} from '../carrier/carrier-account.fields';
import { checkCloudSecrets, checkCloudSettings, CLOUD_KIND_KEYS, isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { CLOUD_PROVIDERS } from '../carrier/cloud/cloud-codes';
import { ROUTED_SMS_TYPES, routeProblems, type RoutableAccount, type Routes } from '../carrier/carrier-route.rules';
import { parseId } from './users.validators';
import { field, hasErrors, type FieldError, type FieldErrors, type Parsed } from './validation';

export interface AccountInput {
  name: string;
  kind: CarrierKind;
  settings: CarrierSettings;
  /** A new password; undefined keeps the stored one (the form's "leave empty to keep"). */
  password: string | undefined;
  /** A cloud kind's credentials given (secret_id, secret_key, …); those left out keep the stored ones. */
  cloudSecrets?: Record<string, string>;
}

/** A cloud kind's form fields carry the kind in their name (`tencent_endpoint`): the new-account form has all kinds. */
export function cloudFieldName(kind: string, key: string): string {
  return `${kind}_${key}`;
}

const CLOUD_FORM_FIELDS = CLOUD_PROVIDERS.flatMap((kind) => [...CLOUD_KIND_KEYS[kind].settings, ...CLOUD_KIND_KEYS[kind].secrets].map((key) => cloudFieldName(kind, key)));
const CLOUD_SECRET_FIELDS = new Set(CLOUD_PROVIDERS.flatMap((kind) => CLOUD_KIND_KEYS[kind].secrets.map((key) => cloudFieldName(kind, key))));

export function problemMessage(problem: FieldProblem): FieldError {
  const { rule, ...params } = problem;
  return { key: `carriers.errors.${rule}`, params: params as Record<string, string | number> };
}

/** Every field of the account form as typed, to re-render it after a 422. The password is never among them. */
export function accountFormValues(body: unknown): Record<string, string> {
  const names = ['name', 'kind', ...SMPP_FIELDS, ...CLOUD_FORM_FIELDS.filter((n) => !CLOUD_SECRET_FIELDS.has(n))];
  return Object.fromEntries(names.map((n) => [n, field(body, n)]));
}

/**
 * The /carriers form. `existing` is the account being edited: its kind cannot change (an SMPP account's settings
 * mean nothing to a cloud kind), and its stored password is kept when the field is left empty.
 */
export function parseAccountForm(body: unknown, existing?: { kind: CarrierKind; hasPassword: boolean }): Parsed<AccountInput> {
  const errors: FieldErrors = {};
  const name = checkAccountName(field(body, 'name'));
  if ('problem' in name) errors.name = problemMessage(name.problem);
  const kindText = existing ? existing.kind : field(body, 'kind');
  if (!isCarrierKind(kindText)) errors.kind = { key: 'carriers.errors.kind' };
  const kind = isCarrierKind(kindText) ? kindText : 'stub';
  let settings: CarrierSettings = {};
  let password: string | undefined;
  if (kind === 'smpp') {
    const raw = Object.fromEntries(SMPP_FIELDS.map((n) => [n, field(body, n)]));
    const checked = checkSmppSettings(raw, 'form');
    for (const [n, problem] of Object.entries(checked.problems)) errors[n] = problemMessage(problem);
    settings = checked.settings;
    const typed = field(body, 'password');
    if (typed !== '' || !existing?.hasPassword) {
      const pw = checkSmppPassword(typed);
      if ('problem' in pw) errors.password = problemMessage(pw.problem);
      else password = pw.value;
    }
  }
  let cloudSecrets: Record<string, string> | undefined;
  if (isCloudProvider(kind)) {
    const keys = CLOUD_KIND_KEYS[kind];
    const raw = Object.fromEntries([...keys.settings, ...keys.secrets].map((k) => [k, field(body, cloudFieldName(kind, k))]));
    const checked = checkCloudSettings(kind, raw, 'form');
    for (const [n, problem] of Object.entries(checked.problems)) errors[cloudFieldName(kind, n)] = problemMessage(problem);
    settings = checked.settings;
    const secrets = checkCloudSecrets(kind, raw, new Set(existing?.hasPassword ? keys.secrets : []));
    for (const [n, problem] of Object.entries(secrets.problems)) errors[cloudFieldName(kind, n)] = problemMessage(problem);
    cloudSecrets = secrets.secrets;
  }
  if (hasErrors(errors) || 'problem' in name) return { ok: false, errors };
  return { ok: true, value: { name: name.value, kind, settings, password, cloudSecrets } };
}

export function routeFieldName(smsType: string, which: 'primary' | 'fallback'): string {
  return `${smsType}_${which}`;
}

/** The routing form: per SMS type a primary account and an optional fallback (an empty choice is none). */
export function parseRoutesForm(body: unknown, accounts: readonly RoutableAccount[]): Parsed<Routes> {
  const errors: FieldErrors = {};
  const routes = {} as Routes;
  for (const smsType of ROUTED_SMS_TYPES) {
    const primaryField = routeFieldName(smsType, 'primary');
    const fallbackField = routeFieldName(smsType, 'fallback');
    const primary = parseId(field(body, primaryField));
    const fallbackText = field(body, fallbackField);
    const fallback = fallbackText === '' ? null : parseId(fallbackText);
    const problems = routeProblems(primary, fallback === null && fallbackText !== '' ? -1 : fallback, accounts);
    if (problems.primary) errors[primaryField] = { key: `carriers.routes.errors.${problems.primary}` };
    if (problems.fallback) errors[fallbackField] = { key: `carriers.routes.errors.${problems.fallback}` };
    routes[smsType] = { primary: primary ?? 0, fallback };
  }
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, value: routes };
}

export function routesFormValues(body: unknown): Record<string, string> {
  return Object.fromEntries(ROUTED_SMS_TYPES.flatMap((s) => [routeFieldName(s, 'primary'), routeFieldName(s, 'fallback')]).map((n) => [n, field(body, n)]));
}
