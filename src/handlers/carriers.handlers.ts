import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { BIND_MODES, CARRIER_KINDS, LONG_MESSAGE_MODES, RECEIPT_ID_FORMATS, SMPP_FIELDS, SMPP_RULES, ACCOUNT_NAME_MAX, SMPP_PASSWORD_MAX, type SmppSettings } from '../carrier/carrier-account.fields';
import { ROUTED_SMS_TYPES } from '../carrier/carrier-route.rules';
import { CLOUD_KIND_KEYS, DEFAULT_ENDPOINTS, isCloudProvider, type CloudSettings } from '../carrier/cloud/cloud-account.fields';
import { CLOUD_PROVIDERS, describeCloudCode } from '../carrier/cloud/cloud-codes';
import { callbackTokenOf } from '../services/cloud-accounts.service';
import { HttpError } from '../http-error';
import { flash } from '../middleware/flash';
import { findCarrierAccount, listCarrierAccounts, type CarrierAccount } from '../queries/carrier-accounts.queries';
import { listRoutes } from '../queries/carrier-routes.queries';
import { createAccount, deleteAccount, saveRouting, setAccountEnabled, updateAccount, type Refusal } from '../services/carriers.service';
import { accountFormValues, parseAccountForm, parseRoutesForm, routeFieldName, routesFormValues } from '../validators/carriers.validators';
import { parseId } from '../validators/users.validators';
import type { FieldErrors } from '../validators/validation';
import { numberFormatter } from '../i18n/number-format';
import { auditContext } from './audit-context';

/** What the form's fields hold for an account's stored settings (a ticked checkbox is any non-empty value). */
function settingsAsValues(account: CarrierAccount): Record<string, string> {
  const values: Record<string, string> = { name: account.name, kind: account.kind };
  if (isCloudProvider(account.kind)) {
    const settings = account.settings as CloudSettings;
    for (const key of CLOUD_KIND_KEYS[account.kind].settings) values[`${account.kind}_${key}`] = String(settings[key] ?? '');
    return values;
  }
  if (account.kind !== 'smpp') return values;
  const settings = account.settings as SmppSettings;
  for (const name of SMPP_FIELDS) {
    const value = settings[name];
    values[name] = typeof value === 'boolean' ? (value ? 'on' : '') : String(value ?? '');
  }
  return values;
}

/** A new account's form starts from the defaults, so only what differs needs typing. */
function defaultValues(): Record<string, string> {
  const values: Record<string, string> = { name: '', kind: 'smpp' };
  for (const name of SMPP_FIELDS) {
    const rule = SMPP_RULES[name];
    values[name] = rule.type === 'text' ? '' : rule.type === 'bool' ? (rule.fallback ? 'on' : '') : String(rule.fallback);
  }
  for (const kind of CLOUD_PROVIDERS) {
    values[`${kind}_endpoint`] = DEFAULT_ENDPOINTS[kind];
    values[`${kind}_poll_seconds`] = '30';
    if (kind === 'tencent') values.tencent_region = 'ap-guangzhou';
  }
  return values;
}

const formChoices = { cloudKinds: CLOUD_PROVIDERS, cloudKeys: CLOUD_KIND_KEYS, defaultEndpoints: DEFAULT_ENDPOINTS, kinds: CARRIER_KINDS, bindModes: BIND_MODES, longMessageModes: LONG_MESSAGE_MODES, receiptIdFormats: RECEIPT_ID_FORMATS, nameMax: ACCOUNT_NAME_MAX, passwordMax: SMPP_PASSWORD_MAX };

export function carriersHandlers({ db, config }: AppDeps) {
  async function renderList(res: Response, status = 200, errors: FieldErrors = {}, given?: Record<string, string>) {
    const [accounts, routes] = await Promise.all([listCarrierAccounts(db), listRoutes(db)]);
    const values: Record<string, string> = given ?? {};
    if (!given) {
      for (const r of routes) {
        values[routeFieldName(r.smsType, 'primary')] = String(r.primaryAccountId);
        values[routeFieldName(r.smsType, 'fallback')] = r.fallbackAccountId === null ? '' : String(r.fallbackAccountId);
      }
    }
    // The callback URL of each cloud account, to paste into the provider's console (admins only see this page).
    const callbackUrls: Record<number, string> = {};
    for (const a of accounts) {
      const token = isCloudProvider(a.kind) ? callbackTokenOf(config.secretKey, a.secretsBox) : null;
      if (token) callbackUrls[a.id] = `/carrier-callbacks/${a.id}/${token}`;
    }
    const cloudRemark = (code: string) => describeCloudCode(code, res.locals.t);
    res.status(status).render('pages/carriers/index', { title: res.locals.t('carriers.title'), accounts, routes, smsTypes: ROUTED_SMS_TYPES, errors, values, callbackUrls, cloudRemark });
  }

  function renderForm(res: Response, status: number, account: CarrierAccount | null, values: Record<string, string>, errors: FieldErrors = {}) {
    const title = account ? res.locals.t('carriers.editTitle', { name: account.name }) : res.locals.t('carriers.newTitle');
    res.status(status).render('pages/carriers/form', { title, account, values, errors, hasPassword: Boolean(account?.secretsBox), ...formChoices, scripts: ['/public/js/carrier-form.js'] });
  }

  async function loadAccount(req: Request): Promise<CarrierAccount> {
    const id = parseId(req.params.id);
    const account = id === null ? undefined : await findCarrierAccount(db, id);
    if (!account) throw new HttpError(404, 'errors.notFound');
    return account;
  }

  function flashRefusal(req: Request, res: Response, refusal: Refusal) {
    if (refusal.key === 'carriers.refused.inRoutes') {
      const types = refusal.smsTypes.map((s) => res.locals.t('smsTypes.' + s)).join(res.locals.t('carriers.listSeparator'));
      flash(req, refusal.key, { types }, 'error');
    } else {
      flash(req, refusal.tasks === 1 ? 'carriers.refused.usedByOneTask' : refusal.key, { tasks: numberFormatter(res.locals.locale as string)(refusal.tasks) }, 'error');
    }
  }

  return {
    list: (_req: Request, res: Response) => renderList(res),

    newForm: (_req: Request, res: Response) => renderForm(res, 200, null, defaultValues()),

    async create(req: Request, res: Response) {
      const values = accountFormValues(req.body);
      const parsed = parseAccountForm(req.body);
      if (!parsed.ok) return renderForm(res, 422, null, values, parsed.errors);
      const saved = await createAccount(db, config.secretKey, parsed.value, auditContext(req, res));
      if (!saved.ok) return renderForm(res, 422, null, values, saved.errors);
      flash(req, 'carriers.created', { name: parsed.value.name });
      res.redirect(303, '/carriers');
    },

    async editForm(req: Request, res: Response) {
      const account = await loadAccount(req);
      renderForm(res, 200, account, settingsAsValues(account));
    },

    async update(req: Request, res: Response) {
      const account = await loadAccount(req);
      const values = { ...accountFormValues(req.body), kind: account.kind };
      const parsed = parseAccountForm(req.body, { kind: account.kind, hasPassword: Boolean(account.secretsBox) });
      if (!parsed.ok) return renderForm(res, 422, account, values, parsed.errors);
      const saved = await updateAccount(db, config.secretKey, account.id, parsed.value, auditContext(req, res));
      if (!saved.ok) return renderForm(res, 422, account, values, saved.errors);
      flash(req, 'carriers.updated', { name: parsed.value.name });
      res.redirect(303, '/carriers');
    },

    async disable(req: Request, res: Response) {
      const { account, refusal } = await setAccountEnabled(db, (await loadAccount(req)).id, false, auditContext(req, res));
      if (refusal) flashRefusal(req, res, refusal);
      else flash(req, 'carriers.disabled', { name: account.name });
      res.redirect(303, '/carriers');
    },

    async enable(req: Request, res: Response) {
      const { account } = await setAccountEnabled(db, (await loadAccount(req)).id, true, auditContext(req, res));
      flash(req, 'carriers.enabled', { name: account.name });
      res.redirect(303, '/carriers');
    },

    async remove(req: Request, res: Response) {
      const { account, refusal } = await deleteAccount(db, (await loadAccount(req)).id, auditContext(req, res));
      if (refusal) flashRefusal(req, res, refusal);
      else flash(req, 'carriers.deleted', { name: account.name });
      res.redirect(303, '/carriers');
    },

    async saveRoutes(req: Request, res: Response) {
      const values = routesFormValues(req.body);
      const parsed = parseRoutesForm(req.body, await listCarrierAccounts(db));
      if (!parsed.ok) return renderList(res, 422, parsed.errors, values);
      const saved = await saveRouting(db, parsed.value, auditContext(req, res));
      if (!saved.ok) return renderList(res, 422, saved.errors, values);
      flash(req, 'carriers.routes.saved');
      res.redirect(303, '/carriers');
    },
  };
}
