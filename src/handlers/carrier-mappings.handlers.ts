import type { Request, Response } from 'express';
import type { AppDeps } from '../app';
import { HttpError } from '../http-error';
import { flash } from '../middleware/flash';
import { findSignature, findTemplate } from '../queries/catalogue.queries';
import { findCarrierAccount } from '../queries/carrier-accounts.queries';
import type { MappedItem } from '../queries/carrier-mappings.queries';
import { applyProviderSignatures, applyProviderTemplates, mappingsOf, saveMapping } from '../services/carrier-mappings.service';
import { cloudClientFor } from '../services/cloud-carriers.service';
import { CloudCallError, CloudTimeoutError, type ProviderTemplate } from '../carrier/cloud/cloud-client';
import { isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { parseMappingForm } from '../validators/carrier-mappings.validators';
import { parseId } from '../validators/users.validators';
import { field, type FieldErrors } from '../validators/validation';
import { SecretBoxError } from '../secrets/secret-box';

const FETCH_TIMEOUT_MS = 10_000;

interface Item {
  id: number;
  name: string;
  /** A template's content, compared with the provider's; a signature has none. */
  content: string | null;
}

/**
 * /templates/:id/mappings and /signatures/:id/mappings (admins): per cloud account, what the provider calls this
 * template (its id or code) or signature (its approved text). Mappings are kept by the item's name.
 */
export function carrierMappingsHandlers({ db, config }: AppDeps, item: MappedItem) {
  const base = item === 'template' ? '/templates' : '/signatures';

  async function load(req: Request): Promise<Item> {
    const id = parseId(req.params.id);
    if (id === null) throw new HttpError(404, 'errors.notFound');
    if (item === 'template') {
      const template = await findTemplate(db, id);
      if (!template) throw new HttpError(404, 'errors.notFound');
      return { id, name: template.name, content: template.content };
    }
    const signature = await findSignature(db, id);
    if (!signature) throw new HttpError(404, 'errors.notFound');
    return { id, name: signature.name, content: null };
  }

  async function render(res: Response, target: Item, status = 200, errors: FieldErrors = {}, typed?: { accountId: number; values: Record<string, string> }) {
    const rows = await mappingsOf(db, item, target.name);
    res.status(status).render('pages/mappings/edit', {
      title: res.locals.t(item === 'template' ? 'mappings.templateTitle' : 'mappings.signatureTitle', { name: target.name }),
      item, base, target, rows, errors, typed: typed ?? null,
    });
  }

  return {
    async show(req: Request, res: Response) {
      await render(res, await load(req));
    },

    async save(req: Request, res: Response) {
      const target = await load(req);
      const cloudIds = (await mappingsOf(db, item, target.name)).map((r) => r.account.id);
      const parsed = parseMappingForm(req.body, cloudIds);
      const accountId = parseId(field(req.body, 'account_id')) ?? 0;
      const typed = { accountId, values: { provider_ref: field(req.body, 'provider_ref'), param_names: field(req.body, 'param_names') } };
      if (!parsed.ok) return render(res, target, 422, parsed.errors, typed);
      await saveMapping(db, parsed.value.accountId, item, target.name, parsed.value.providerRef, parsed.value.paramNames);
      flash(req, 'mappings.saved');
      res.redirect(303, `${base}/${target.id}/mappings`);
    },

    /**
     * "Fetch from provider": the provider's approved templates fill or check this template's mapping; for a
     * signature, its approved signatures must hold this one's text (Alibaba; the others cannot list them).
     */
    async fetch(req: Request, res: Response) {
      const target = await load(req);
      const accountId = parseId(req.params.accountId);
      const account = accountId === null ? undefined : await findCarrierAccount(db, accountId);
      if (!account || !isCloudProvider(account.kind)) throw new HttpError(404, 'errors.notFound');
      let listed;
      try {
        // Shorter than a send's wait: an admin is looking at the page.
        const client = cloudClientFor(account, config.secretKey, { timeoutMs: FETCH_TIMEOUT_MS })!;
        listed = target.content === null ? await client.listSignatures() : await client.listTemplates();
      } catch (err) {
        if (!(err instanceof CloudCallError || err instanceof CloudTimeoutError || err instanceof SecretBoxError)) throw err;
        // A box this key cannot open (the key file was lost): the credentials must be typed again on /carriers.
        const code = err instanceof CloudCallError ? err.cloudCode.code : err instanceof SecretBoxError ? 'SECRETS' : 'CLOUD:TIMEOUT';
        return render(res, target, 422, { form: { key: 'mappings.errors.fetchFailed', params: { account: account.name, code } } });
      }
      if (listed === 'unsupported') return render(res, target, 422, { form: { key: 'mappings.errors.fetchUnsupported', params: { account: account.name } } });
      if (target.content === null) {
        const found = await applyProviderSignatures(db, account.id, target.name, listed as string[]);
        if (!found) return render(res, target, 422, { form: { key: 'mappings.errors.noSignature', params: { account: account.name, name: target.name } } });
        flash(req, 'mappings.fetchedSignature', { account: account.name, name: target.name });
        return res.redirect(303, `${base}/${target.id}/mappings`);
      }
      const saved = await applyProviderTemplates(db, account.id, { name: target.name, content: target.content }, listed as ProviderTemplate[]);
      if (!saved) return render(res, target, 422, { form: { key: 'mappings.errors.noMatch', params: { account: account.name } } });
      flash(req, saved.mismatch ? 'mappings.fetchedMismatch' : 'mappings.fetched', { account: account.name, code: saved.providerRef }, saved.mismatch ? 'error' : undefined);
      res.redirect(303, `${base}/${target.id}/mappings`);
    },
  };
}
