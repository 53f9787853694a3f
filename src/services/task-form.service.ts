import type { Knex } from 'knex';
import { findSignature, findTemplate, listSignatures, listTemplates, type Signature, type Template } from '../queries/catalogue.queries';
import { buildPreview, type Preview } from '../sms/preview';
import { findRoute } from '../queries/carrier-routes.queries';
import { findCarrierAccount } from '../queries/carrier-accounts.queries';
import type { Task } from '../queries/tasks.queries';
import { variableCount } from '../sms/template';
import type { Settings } from './settings.service';
import { toLocalInputValue } from '../time/zoned-time';
import { MIN_SCHEDULE_LEAD_MS } from '../validators/tasks.validators';
import { parseId } from '../validators/users.validators';
import type { FieldErrors } from '../validators/validation';

/** The preview with the account the chosen SMS type is routed to now ("via …"); null when no route is set. */
export type RoutedPreview = Preview & { via: string | null };

export async function routedPreview(db: Knex, preview: Preview, smsType: string): Promise<RoutedPreview> {
  return { ...preview, via: (await findRoute(db, smsType))?.primaryName ?? null };
}

/**
 * The account a task's preview names: a draft's is the route as it stands (confirming freezes it), a confirmed
 * task's the one frozen into it. A task confirmed before routing existed names none.
 */
export async function viaForTask(db: Knex, task: Pick<Task, 'status' | 'smsType' | 'carrierAccountId'>): Promise<string | null> {
  if (task.status === 'draft') return (await findRoute(db, task.smsType))?.primaryName ?? null;
  if (task.carrierAccountId === null) return null;
  return (await findCarrierAccount(db, task.carrierAccountId))?.name ?? null;
}

export interface TaskFormModel {
  signatures: Signature[];
  templates: Template[];
  signature: Signature | null;
  template: (Template & { variableCount: number }) | null;
  preview: RoutedPreview | null;
  manualDisabled: boolean;
  limits: { rows: number; mb: number };
  scheduleMin: string;
  scheduleMax: string;
}

/** Approved catalogue items for the form; only templates of the chosen SMS type can be picked. */
export async function buildTaskFormModel(db: Knex, settings: Settings, values: Record<string, string>, now = new Date()): Promise<TaskFormModel> {
  const signatures = await listSignatures(db, { status: 'approved' });
  const templates = values.smsType ? await listTemplates(db, { status: 'approved', smsType: values.smsType }) : [];
  const signature = signatures.find((s) => String(s.id) === values.signatureId) ?? null;
  const chosen = templates.find((t) => String(t.id) === values.templateId);
  const template = chosen ? { ...chosen, variableCount: variableCount(chosen.content) } : null;
  return {
    signatures,
    templates,
    signature,
    template,
    preview: template ? await routedPreview(db, buildPreview(signature?.name ?? '…', template.content), template.smsType) : null,
    manualDisabled: Boolean(template && template.variableCount > 0),
    limits: { rows: settings.importMaxRows, mb: Math.round((settings.importMaxBytes / 1048576) * 100) / 100 },
    scheduleMin: toLocalInputValue(new Date(now.getTime() + MIN_SCHEDULE_LEAD_MS), settings.timeZone),
    scheduleMax: toLocalInputValue(new Date(now.getTime() + settings.scheduleHorizonDays * 86_400_000), settings.timeZone),
  };
}

/**
 * The chosen signature and template must still be approved, and the template of the chosen type; each
 * problem becomes a message on its own field.
 */
export async function resolveCatalogueChoice(
  db: Knex,
  input: { smsType: string; signatureId: number; templateId: number },
): Promise<{ ok: true; signature: Signature; template: Template } | { ok: false; errors: FieldErrors }> {
  const errors: FieldErrors = {};
  const signature = await findSignature(db, input.signatureId);
  const template = await findTemplate(db, input.templateId);
  if (!signature || signature.status !== 'approved') errors.signatureId = { key: 'tasks.errors.signature' };
  if (!template || template.status !== 'approved') errors.templateId = { key: 'tasks.errors.template' };
  else if (template.smsType !== input.smsType) errors.templateId = { key: 'tasks.errors.templateType' };
  if (Object.keys(errors).length || !signature || !template) return { ok: false, errors };
  return { ok: true, signature, template };
}

export async function previewFor(db: Knex, signatureId: unknown, templateId: unknown): Promise<RoutedPreview | null> {
  const sid = parseId(signatureId);
  const tid = parseId(templateId);
  const template = tid === null ? undefined : await findTemplate(db, tid);
  if (!template || template.status !== 'approved') return null;
  const signature = sid === null ? undefined : await findSignature(db, sid);
  return routedPreview(db, buildPreview(signature && signature.status === 'approved' ? signature.name : '…', template.content), template.smsType);
}
