import type { Knex } from 'knex';
import { ApiError } from '../http-error';
import { findSignatureByName, findTemplate, findTemplatesByName, type Signature, type Template } from '../queries/catalogue.queries';
import { findTask, type Task } from '../queries/tasks.queries';
import type { User } from '../queries/users.queries';
import type { SmsType } from '../sms/template';
import type { CatalogueRef } from '../validators/api.validators';
import type { FieldErrors } from '../validators/validation';
import { confirmDraft, createDraft, type ConfirmRefusal } from './drafts.service';
import { resolveCatalogueChoice } from './task-form.service';
import type { CheckSummary, PackedRecipients } from '../drafts/recipient-chunks';
import type { AuditContext } from './audit.service';

/** A task the API may name: drafts are unconfirmed checks, private to the form, and do not exist for it. */
export async function apiVisibleTask(db: Knex, id: unknown): Promise<Task> {
  const task = typeof id === 'string' && /^[A-Za-z0-9]{1,16}$/.test(id) ? await findTask(db, id) : undefined;
  if (!task || task.status === 'draft') throw new ApiError(404, 'not_found', 'api.errors.taskNotFound');
  return task;
}

/** The send form's field names, as the API calls them. */
const API_FIELD: Record<string, string> = { signatureId: 'signature', templateId: 'template', smsType: 'sms_type', sendAt: 'send_at' };

/**
 * Turns the API's signature and template (each an id or a name) into ids, then applies the send form's own rules
 * (`resolveCatalogueChoice`: both approved, the template of the SMS type). Without `sms_type` the template's own type
 * is taken. A template name shared by several approved templates (of that type) is refused as ambiguous.
 */
export async function resolveApiCatalogue(
  db: Knex,
  input: { signature: CatalogueRef; template: CatalogueRef; smsType: SmsType | null },
): Promise<{ ok: true; signature: Signature; template: Template } | { ok: false; errors: FieldErrors }> {
  // An id that matches nothing (0 here) gets the form's "choose an approved …" message.
  const signatureId = 'id' in input.signature ? input.signature.id : ((await findSignatureByName(db, input.signature.name))?.id ?? 0);
  let template: Template | undefined;
  if ('id' in input.template) template = await findTemplate(db, input.template.id);
  else {
    const named = await findTemplatesByName(db, input.template.name);
    const usable = named.filter((t) => t.status === 'approved' && (input.smsType === null || t.smsType === input.smsType));
    if (usable.length > 1) {
      const errors: FieldErrors = { template: { key: 'api.errors.templateAmbiguous', params: { count: usable.length } } };
      return { ok: false, errors };
    }
    template = usable[0] ?? named[0];
  }
  const smsType = input.smsType ?? template?.smsType ?? '';
  const choice = await resolveCatalogueChoice(db, { smsType, signatureId, templateId: template?.id ?? 0 });
  if (choice.ok) return choice;
  return { ok: false, errors: Object.fromEntries(Object.entries(choice.errors).map(([k, v]) => [API_FIELD[k] ?? k, v])) };
}

/** Thrown inside the transaction to undo the draft when the confirm is refused. */
export class ConfirmRefused extends Error {
  constructor(readonly refusal: ConfirmRefusal) {
    super(refusal.key);
  }
}

/**
 * Creates the task as the send form does (a draft with its checked recipients), then confirms it in the key
 * creator's name, on the given transaction so that a refused confirm leaves no draft behind.
 */
export async function createConfirmedTask(
  trx: Knex.Transaction,
  input: { user: User; signature: Signature; template: Template; sendAt: Date | null; report: CheckSummary; recipients: PackedRecipients; timeZone: string; by?: AuditContext },
  now = new Date(),
): Promise<string> {
  const id = await createDraft(trx, {
    user: input.user,
    signature: input.signature,
    template: input.template,
    sendMode: input.sendAt ? 'scheduled' : 'now',
    sendAt: input.sendAt,
    source: 'api',
    fileName: null,
    report: input.report,
    recipients: input.recipients,
    formState: {},
    timeZone: input.timeZone,
  });
  const outcome = await confirmDraft(trx, id, input.user, input.timeZone, now, input.by);
  if (!outcome.ok) throw new ConfirmRefused(outcome.refusal);
  return outcome.taskId;
}

/** Where a refused confirm points in the API's terms. */
export function refusalField(refusal: ConfirmRefusal): string {
  if (refusal.key === 'tasks.errors.signatureNotApproved') return 'signature';
  if (refusal.key === 'tasks.errors.templateNotApproved') return 'template';
  if (refusal.key === 'tasks.errors.noProviderTemplate') return 'template';
  if (refusal.key === 'tasks.errors.scheduleExpired') return 'send_at';
  return 'recipients';
}
