import type { Knex } from 'knex';
import type { CarrierKind } from '../carrier/carrier-account.fields';
import { routeProblems, type Routes } from '../carrier/carrier-route.rules';
import { HttpError } from '../http-error';
import { DuplicateNameError } from '../queries/catalogue.queries';
import {
  countTasksUsingAccount,
  deleteCarrierAccount,
  findCarrierAccount,
  findCarrierAccountByName,
  insertCarrierAccount,
  listCarrierAccounts,
  setCarrierAccountEnabled,
  updateCarrierAccount,
  type CarrierAccount,
  type CarrierState,
} from '../queries/carrier-accounts.queries';
import { listRoutes, routesUsingAccount, saveRoutes } from '../queries/carrier-routes.queries';
import { openSecrets, SecretBoxError, sealSecrets } from '../secrets/secret-box';
import type { SmsType } from '../sms/template';
import { routeFieldName, type AccountInput } from '../validators/carriers.validators';
import type { FieldErrors } from '../validators/validation';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';
import { changedFields } from '../audit/audit-summary';
import { isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { cloudSecretsBox } from './cloud-accounts.service';

/** Why an action on an account was refused, for the flash message; `smsTypes` are translated by the handler. */
export type Refusal =
  | { key: 'carriers.refused.inRoutes'; smsTypes: SmsType[] }
  | { key: 'carriers.refused.usedByTasks'; tasks: number };

type Saved = { ok: true; id: number } | { ok: false; errors: FieldErrors };

/** The stub always answers; a real account is down until its connector (built by the carrier pool) binds. */
export function initialState(kind: CarrierKind): CarrierState {
  return kind === 'stub' ? 'connected' : 'down';
}

/**
 * The box for the account's secrets after an edit: a new password replaces the stored one and keeps any other
 * secret; no password keeps the box as it is. A box this key cannot open (the key file was lost) is replaced whole.
 */
export function nextSecretsBox(key: Buffer, stored: string | null, kind: CarrierKind, password: string | undefined, cloudSecrets?: Record<string, string>): string | null | undefined {
  if (kind === 'stub') return null;
  if (isCloudProvider(kind)) return cloudSecretsBox(key, stored, cloudSecrets ?? {});
  if (password === undefined) return undefined;
  let kept: Record<string, string> = {};
  try {
    kept = openSecrets(key, stored);
  } catch (err) {
    if (!(err instanceof SecretBoxError)) throw err;
  }
  return sealSecrets(key, { ...kept, password });
}

function newCloudCredentials(input: AccountInput): boolean {
  return isCloudProvider(input.kind) && Object.keys(input.cloudSecrets ?? {}).length > 0;
}

const nameTaken: FieldErrors = { name: { key: 'carriers.errors.nameTaken' } };

/** What the audit log keeps of an account: never its sealed secrets, only whether a new password was given. */
const accountFacts = (a: { name: string; kind: string; settings: unknown }) => ({ name: a.name, kind: a.kind, settings: a.settings });
const accountObject = (id: number) => ({ type: 'carrier_account' as const, id });

/** The routes by SMS type, as names, for the audit summary of a routing change. */
export async function routesByName(trx: Knex): Promise<Record<string, string>> {
  return Object.fromEntries((await listRoutes(trx)).map((r) => [r.smsType, r.fallbackName ? `${r.primaryName} → ${r.fallbackName}` : r.primaryName]));
}

export async function createAccount(db: Knex, key: Buffer, input: AccountInput, by: AuditContext = SYSTEM_CONTEXT): Promise<Saved> {
  try {
    return await db.transaction(async (trx) => {
      if (await findCarrierAccountByName(trx, input.name)) return { ok: false, errors: nameTaken };
      const id = await insertCarrierAccount(trx, {
        name: input.name,
        kind: input.kind,
        settings: input.settings,
        secretsBox: nextSecretsBox(key, null, input.kind, input.password, input.cloudSecrets) ?? null,
        state: initialState(input.kind),
      });
      await recordAudit(trx, { ...by, action: 'carrier.created', object: accountObject(id), summary: { after: { ...accountFacts(input), passwordSet: input.password !== undefined } } });
      return { ok: true, id };
    });
  } catch (err) {
    if (err instanceof DuplicateNameError) return { ok: false, errors: nameTaken };
    throw err;
  }
}

export async function updateAccount(db: Knex, key: Buffer, id: number, input: AccountInput, by: AuditContext = SYSTEM_CONTEXT): Promise<Saved> {
  try {
    return await db.transaction(async (trx) => {
      const existing = await findCarrierAccount(trx, id);
      if (!existing) throw new HttpError(404, 'errors.notFound');
      const other = await findCarrierAccountByName(trx, input.name);
      if (other && other.id !== id) return { ok: false, errors: nameTaken };
      await updateCarrierAccount(trx, id, {
        name: input.name,
        kind: input.kind,
        settings: input.settings,
        secretsBox: nextSecretsBox(key, existing.secretsBox, input.kind, input.password, input.cloudSecrets),
        // New cloud credentials clear a "down" the provider's refusal caused: the next call will tell again.
        state: existing.kind !== input.kind || newCloudCredentials(input) ? initialState(input.kind) : undefined,
      });
      const changed = changedFields(accountFacts(existing), accountFacts(input));
      if (input.password !== undefined) changed.after = { ...changed.after, passwordChanged: true };
      await recordAudit(trx, { ...by, action: 'carrier.edited', object: accountObject(id), summary: { before: { name: existing.name, ...changed.before }, after: changed.after } });
      return { ok: true, id };
    });
  } catch (err) {
    if (err instanceof DuplicateNameError) return { ok: false, errors: nameTaken };
    throw err;
  }
}

async function loadAccount(trx: Knex, id: number): Promise<CarrierAccount> {
  const account = await findCarrierAccount(trx, id);
  if (!account) throw new HttpError(404, 'errors.notFound');
  return account;
}

/** A routed account cannot be switched off: its SMS types would have nowhere to go. */
export async function setAccountEnabled(db: Knex, id: number, enabled: boolean, by: AuditContext = SYSTEM_CONTEXT): Promise<{ account: CarrierAccount; refusal: Refusal | null }> {
  return db.transaction(async (trx) => {
    const account = await loadAccount(trx, id);
    if (!enabled) {
      const routes = await routesUsingAccount(trx, id);
      if (routes.length > 0) return { account, refusal: { key: 'carriers.refused.inRoutes', smsTypes: routes.map((r) => r.smsType) } };
    }
    await setCarrierAccountEnabled(trx, id, enabled);
    if (account.enabled !== enabled) {
      await recordAudit(trx, { ...by, action: enabled ? 'carrier.enabled' : 'carrier.disabled', object: accountObject(id), summary: { before: { name: account.name, enabled: account.enabled }, after: { enabled } } });
    }
    return { account, refusal: null };
  });
}

/** Refused while a route names the account or a task was frozen to it (disabling is the way to retire it then). */
export async function deleteAccount(db: Knex, id: number, by: AuditContext = SYSTEM_CONTEXT): Promise<{ account: CarrierAccount; refusal: Refusal | null }> {
  return db.transaction(async (trx) => {
    const account = await loadAccount(trx, id);
    const routes = await routesUsingAccount(trx, id);
    if (routes.length > 0) return { account, refusal: { key: 'carriers.refused.inRoutes', smsTypes: routes.map((r) => r.smsType) } };
    const tasks = await countTasksUsingAccount(trx, id);
    if (tasks > 0) return { account, refusal: { key: 'carriers.refused.usedByTasks', tasks } };
    await deleteCarrierAccount(trx, id);
    await recordAudit(trx, { ...by, action: 'carrier.deleted', object: accountObject(id), summary: { before: accountFacts(account) } });
    return { account, refusal: null };
  });
}

/**
 * Saves the routing form. The accounts are read again inside the transaction: one disabled or deleted since the
 * form was checked makes the save fail with its field's message instead of routing to nowhere.
 */
export async function saveRouting(db: Knex, routes: Routes, by: AuditContext = SYSTEM_CONTEXT): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
  return db.transaction(async (trx) => {
    const accounts = await listCarrierAccounts(trx);
    const errors: FieldErrors = {};
    for (const [smsType, route] of Object.entries(routes)) {
      const problems = routeProblems(route.primary, route.fallback, accounts);
      if (problems.primary) errors[routeFieldName(smsType, 'primary')] = { key: `carriers.routes.errors.${problems.primary}` };
      if (problems.fallback) errors[routeFieldName(smsType, 'fallback')] = { key: `carriers.routes.errors.${problems.fallback}` };
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const before = await routesByName(trx);
    await saveRoutes(trx, routes);
    const changed = changedFields(before, await routesByName(trx));
    if (Object.keys(changed.after ?? {}).length > 0) await recordAudit(trx, { ...by, action: 'carrier.routes_changed', object: { type: 'carrier_routes', id: null }, summary: changed });
    return { ok: true };
  });
}
