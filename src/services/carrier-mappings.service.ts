import type { Knex } from 'knex';
import { isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { findCarrierAccount, listCarrierAccounts, type CarrierAccount } from '../queries/carrier-accounts.queries';
import { findRoute } from '../queries/carrier-routes.queries';
import { deleteMapping, findMapping, listMappingsFor, upsertMapping, type CarrierMapping, type MappedItem } from '../queries/carrier-mappings.queries';
import type { Task } from '../queries/tasks.queries';
import { compareWithProvider } from '../sms/provider-template';
import type { ProviderTemplate } from '../carrier/cloud/cloud-client';

export type MappingRefusal = { key: 'tasks.errors.noProviderTemplate'; params: { account: string; template: string } };

/**
 * A task routed to a cloud account can only go out if the account knows its template: refused at the check (the
 * confirm), naming both, never half-way through sending. The signature needs no mapping: without one, the Qunfa
 * signature text is sent as it is (providers approve the same text).
 */
export async function mappingRefusal(db: Knex, task: Pick<Task, 'smsType' | 'templateName'>): Promise<MappingRefusal | null> {
  const route = await findRoute(db, task.smsType);
  const account = route ? await findCarrierAccount(db, route.primaryAccountId) : undefined;
  if (!account || !isCloudProvider(account.kind)) return null;
  if (await findMapping(db, account.id, 'template', task.templateName)) return null;
  return { key: 'tasks.errors.noProviderTemplate', params: { account: account.name, template: task.templateName } };
}

/** What a dispatcher sending through a cloud account gives each message (CloudTemplateRef without the params). */
export async function providerTemplateFor(db: Knex, accountId: number, templateName: string, signatureText: string): Promise<{ templateCode: string; signName: string; paramNames?: string[] } | null> {
  const template = await findMapping(db, accountId, 'template', templateName);
  if (!template) return null;
  const signature = await findMapping(db, accountId, 'signature', signatureText);
  return { templateCode: template.providerRef, signName: signature?.providerRef ?? signatureText, paramNames: template.paramNames ?? undefined };
}

export interface AccountMapping {
  account: CarrierAccount;
  mapping: CarrierMapping | null;
}

/** Every cloud account with its mapping of this item (null where it has none yet), for the mapping page. */
export async function mappingsOf(db: Knex, item: MappedItem, name: string): Promise<AccountMapping[]> {
  const [accounts, mappings] = await Promise.all([listCarrierAccounts(db), listMappingsFor(db, item, name)]);
  return accounts.filter((a) => isCloudProvider(a.kind)).map((account) => ({ account, mapping: mappings.find((m) => m.accountId === account.id) ?? null }));
}

/** Saves what the admin typed; an empty value removes the mapping. A typed value has not been compared yet. */
export async function saveMapping(db: Knex, accountId: number, item: MappedItem, name: string, providerRef: string, paramNames: string[] | null): Promise<void> {
  if (providerRef === '') return deleteMapping(db, accountId, item, name);
  await upsertMapping(db, { accountId, item, name, providerRef, paramNames, mismatch: null, providerText: null });
}

/**
 * "Fetch from provider": the provider's approved templates, compared with the Qunfa template's content. The one
 * mapped already (by code) is compared; with none mapped, an approved template with the same text is taken.
 * Returns the saved mapping, or null when nothing matched (nothing saved).
 */
export async function applyProviderTemplates(db: Knex, accountId: number, template: { name: string; content: string }, provided: readonly ProviderTemplate[]): Promise<CarrierMapping | null> {
  const existing = await findMapping(db, accountId, 'template', template.name);
  const chosen = existing
    ? provided.find((p) => p.code === existing.providerRef)
    : provided.find((p) => p.approved && compareWithProvider(template.content, p.content).mismatch === null);
  if (!chosen) return null;
  const { mismatch, paramNames } = compareWithProvider(template.content, chosen.content);
  await upsertMapping(db, { accountId, item: 'template', name: template.name, providerRef: chosen.code, paramNames: paramNames.length ? paramNames : null, mismatch, providerText: chosen.content });
  return (await findMapping(db, accountId, 'template', template.name)) ?? null;
}

/**
 * "Fetch from provider" for a signature: the provider's approved signatures (Alibaba) must hold this one's text;
 * then the mapping is that text. Returns false (nothing saved) when it is not among them.
 */
export async function applyProviderSignatures(db: Knex, accountId: number, signatureName: string, approved: readonly string[]): Promise<boolean> {
  if (!approved.includes(signatureName)) return false;
  await upsertMapping(db, { accountId, item: 'signature', name: signatureName, providerRef: signatureName });
  return true;
}
