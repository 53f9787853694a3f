import fs from 'node:fs';
import type { Knex } from 'knex';
import { ROUTED_SMS_TYPES, routeProblems, type Route } from '../carrier/carrier-route.rules';
import { findCarrierAccountByName, insertCarrierAccount, listCarrierAccounts, updateCarrierAccount } from '../queries/carrier-accounts.queries';
import { listRoutes, saveRoutes } from '../queries/carrier-routes.queries';
import type { SmsType } from '../sms/template';
import { parseCarriersFile, routePath, type CarriersFile } from '../validators/carriers-file.validators';
import { initialState, nextSecretsBox, routesByName } from './carriers.service';
import { recordAudit, SYSTEM_CONTEXT } from './audit.service';
import { CLOUD_KIND_KEYS, isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { upsertMapping } from '../queries/carrier-mappings.queries';

/** A CARRIERS_FILE that cannot be applied; server.ts prints the message as its one line and exits 1. */
export class CarriersFileError extends Error {}

const fail = (message: string): never => {
  throw new CarriersFileError(`CARRIERS_FILE: ${message}`);
};

/**
 * Applies the file in one transaction, so a problem found half-way (a route naming an account that exists nowhere)
 * leaves the database as it was. Accounts are upserted by name (accounts not in the file are left alone); the routes
 * the file gives replace those types' routes. At the end every route must still name an enabled account.
 */
export async function applyCarriersFile(db: Knex, key: Buffer, file: CarriersFile): Promise<{ accounts: number; routes: number }> {
  return db.transaction(async (trx) => {
    for (const account of file.accounts) {
      const existing = await findCarrierAccountByName(trx, account.name);
      if (account.kind === 'smpp' && account.password === undefined && !(existing?.kind === 'smpp' && existing.secretsBox)) {
        fail(`${account.path}.password is required for an SMPP account that has no password stored yet`);
      }
      if (isCloudProvider(account.kind) && !(existing?.kind === account.kind && existing.secretsBox)) {
        const missing = CLOUD_KIND_KEYS[account.kind].secrets.find((k) => !account.cloudSecrets?.[k]);
        if (missing) fail(`${account.path}.${missing} is required for a new ${account.kind} account`);
      }
      const write = { name: account.name, kind: account.kind, settings: account.settings, enabled: account.enabled };
      if (existing) {
        await updateCarrierAccount(trx, existing.id, {
          ...write,
          secretsBox: nextSecretsBox(key, existing.kind === account.kind ? existing.secretsBox : null, account.kind, account.password, account.cloudSecrets),
          state: existing.kind === account.kind ? undefined : initialState(account.kind),
        });
      } else {
        await insertCarrierAccount(trx, { ...write, secretsBox: nextSecretsBox(key, null, account.kind, account.password, account.cloudSecrets) ?? null, state: initialState(account.kind) });
      }
    }
    const accounts = await listCarrierAccounts(trx);
    const idOf = (name: string, path: string): number => accounts.find((a) => a.name === name)?.id ?? fail(`${path} names no account: "${name}"`);
    const given: Partial<Record<SmsType, Route>> = {};
    for (const [smsType, route] of Object.entries(file.routes)) {
      given[smsType as SmsType] = {
        primary: idOf(route.primary, routePath(smsType, 'primary')),
        fallback: route.fallback === null ? null : idOf(route.fallback, routePath(smsType, 'fallback')),
      };
    }
    const final: Partial<Record<SmsType, Route>> = { ...Object.fromEntries((await listRoutes(trx)).map((r) => [r.smsType, { primary: r.primaryAccountId, fallback: r.fallbackAccountId }])), ...given };
    for (const smsType of ROUTED_SMS_TYPES) {
      const route = final[smsType];
      if (!route) continue;
      const problems = routeProblems(route.primary, route.fallback, accounts);
      const which = problems.primary ? 'primary' : problems.fallback ? 'fallback' : null;
      if (which) {
        const name = accounts.find((a) => a.id === route[which])?.name ?? '';
        fail(`${routePath(smsType, which)} would send through "${name}", which is disabled`);
      }
    }
    await saveRoutes(trx, given as Record<SmsType, Route>);
    for (const m of file.mappings) {
      const account = accounts.find((a) => a.name === m.account) ?? fail(`${m.path}.account names no account: "${m.account}"`);
      if (!isCloudProvider(account.kind)) fail(`${m.path}.account "${m.account}" is not a cloud account (tencent, aliyun, ucloud)`);
      if (m.template) await upsertMapping(trx, { accountId: account.id, item: 'template', name: m.template.name, providerRef: m.template.providerRef, paramNames: m.template.paramNames });
      if (m.signature) await upsertMapping(trx, { accountId: account.id, item: 'signature', name: m.signature.name, providerRef: m.signature.providerRef });
    }
    // Applied at start by the operator's file: the system acts. Which accounts and the routes after, never passwords.
    await recordAudit(trx, {
      ...SYSTEM_CONTEXT,
      action: 'carrier.file_applied',
      object: { type: 'carrier_routes', id: null },
      summary: { after: { accounts: file.accounts.map((a) => ({ name: a.name, kind: a.kind, enabled: a.enabled, passwordGiven: a.password !== undefined })), routes: await routesByName(trx) } },
    });
    return { accounts: file.accounts.length, routes: Object.keys(given).length };
  });
}

/** Reads, checks and applies the file named by CARRIERS_FILE. Every problem is a CarriersFileError of one line. */
export async function loadCarriersFile(db: Knex, key: Buffer, filePath: string): Promise<{ accounts: number; routes: number }> {
  let text = '';
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    fail(`cannot read ${filePath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const parsed = parseCarriersFile(text);
  if (!parsed.ok) return fail(parsed.message);
  return applyCarriersFile(db, key, parsed.value);
}
