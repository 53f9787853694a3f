import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { mappingRefusal } from './carrier-mappings.service';
import type { User } from '../queries/users.queries';
import type { Signature, Template } from '../queries/catalogue.queries';
import { findSignature, findTemplate } from '../queries/catalogue.queries';
import { assignTaskId, findTask, insertDraftTask, lastTaskIdWithPrefix, markDraftConfirmed, takeTaskSequence, type Task, type TaskSource } from '../queries/tasks.queries';
import { insertDraftRecipients, moveDraftRecipients } from '../queries/draft-recipients.queries';
import { insertInvalidRows } from '../queries/invalid-rows.queries';
import { problemReason } from '../sms/recipient-check';
import type { CheckSummary, PackedRecipients } from '../drafts/recipient-chunks';
import { releaseChunks } from '../drafts/chunk-spool';
import { formatDateTime } from '../time/zoned-time';
import { HttpError } from '../http-error';
import { findRoute } from '../queries/carrier-routes.queries';
import { screenDraft } from './send-rules-check.service';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';
import { markDraftConfirming } from '../queries/task-confirm.queries';
import { confirmsInParts, startConfirmMove, type StartOptions } from './confirm-move.service';

export const DRAFT_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface DraftInput {
  user: User;
  /** The catalogue items as checked; a resend passes its source's snapshot (the ids may be gone: null). */
  signature: Pick<Signature, 'name'> & { id: number | null };
  template: Pick<Template, 'name' | 'smsType' | 'content'> & { id: number | null };
  sendMode: 'now' | 'scheduled';
  sendAt: Date | null;
  source: TaskSource;
  fileName: string | null;
  report: CheckSummary;
  /** The report's valid recipients, packed where they were checked (packRecipients). */
  recipients: PackedRecipients;
  formState: Record<string, string>;
  /**
   * The zone the form was read in. A draft's id no longer depends on it (the task id and its date are given at
   * confirm, in the zone of that moment); kept so that every maker of drafts keeps passing it while others build on it.
   */
  timeZone: string;
  /** "Resend to failed": the task whose failed recipients this draft sends again. */
  resendOf?: string;
}

/** Readable ids: `T` + the local date + a per-day sequence, e.g. T2611250001. */
export function nextTaskId(prefixDate: Date, timeZone: string, last: string | undefined): string {
  const prefix = 'T' + formatDateTime(prefixDate, timeZone).slice(2, 10).replace(/-/g, '');
  const seq = last && last.startsWith(prefix) ? Number(last.slice(prefix.length)) + 1 : 1;
  return prefix + String(seq).padStart(4, '0');
}

/**
 * A draft's handle until its confirm gives it a task id: `D` + 12 hex digits, never a task id's shape.
 * Random, not a sequence: a check leaves no gap in the task ids, and a handle says nothing of how many checks
 * others made (drafts are private).
 */
export function newDraftHandle(): string {
  return 'D' + randomBytes(6).toString('hex');
}

/**
 * The next readable task id, as of `now` in the zone; taken inside the transaction that stores it. The sequence
 * comes from the day's counter row (takeTaskSequence), so concurrent callers get different ids on PostgreSQL too,
 * where reading the day's highest id and adding one gave two of them the same. That highest id only seeds the
 * counter on its first use (a day's tasks made before the counter existed).
 */
async function allocateTaskId(trx: Knex, now: Date, timeZone: string): Promise<string> {
  const prefix = nextTaskId(now, timeZone, undefined).slice(0, 7);
  const last = await lastTaskIdWithPrefix(trx, prefix);
  const seq = await takeTaskSequence(trx, prefix, last ? Number(last.slice(prefix.length)) : 0);
  return prefix + String(seq).padStart(4, '0');
}

/**
 * Stores the report and its checked recipients as a draft task in one transaction; returns its handle (the task
 * id is given at confirm). The recipients wait in `draft_recipients` and become message rows when it is confirmed.
 */
export async function createDraft(db: Knex, input: DraftInput): Promise<string> {
  const { signature, template } = input;
  return db.transaction(async (trx) => {
    const now = new Date();
    // Issue 14: opted-out and capped numbers become refused rows (marketing; the others too unless exempt).
    const { report, recipients } = await screenDraft(trx, template.smsType, input.report, input.recipients, { timeZone: input.timeZone, now });
    const invalid = report.invalid.map((r) => {
      const { reason, params } = problemReason(r.problem);
      return { row_number: r.rowNumber, value: r.value, params: JSON.stringify(r.params), reason, reason_params: JSON.stringify(params) };
    });
    const id = newDraftHandle();
    await insertDraftTask(trx, {
      id,
      sms_type: template.smsType,
      signature_id: signature.id,
      template_id: template.id,
      signature_text: signature.name,
      template_name: template.name,
      template_content: template.content,
      source: input.source,
      file_name: input.fileName,
      send_mode: input.sendMode,
      send_at: input.sendAt ? input.sendAt.toISOString() : null,
      rows_read: report.rowsRead,
      recipient_count: recipients.count,
      invalid_count: report.invalid.length,
      duplicates_removed: report.duplicatesRemoved,
      repeated_numbers: report.repeatedNumbers,
      total_segments: report.totalSegments,
      max_chars: report.longest?.chars ?? 0,
      max_segments: report.longest?.segments ?? 0,
      form_state: JSON.stringify(input.formState),
      total_chars: recipients.totalChars,
      resend_of: input.resendOf ?? null,
      created_by: input.user.id,
      expires_at: new Date(now.getTime() + DRAFT_LIFETIME_MS).toISOString(),
    });
    await insertDraftRecipients(trx, id, recipients.chunks);
    await insertInvalidRows(trx, id, invalid);
    return id;
  }).finally(() => releaseChunks(input.recipients.chunks));
}

export type ConfirmRefusal = { key: string; params?: Record<string, string | number> };

/** Why a draft cannot be confirmed now, or null when it can. */
export async function confirmRefusal(db: Knex, task: Task, now: Date): Promise<ConfirmRefusal | null> {
  if (task.expiresAt && task.expiresAt < now.toISOString()) return { key: 'tasks.errors.draftExpired' };
  if (task.recipientCount === 0) return { key: 'tasks.errors.noValidRecipients' };
  const signature = task.signatureId ? await findSignature(db, task.signatureId) : undefined;
  if (!signature || signature.status !== 'approved' || signature.name !== task.signatureText) {
    return { key: 'tasks.errors.signatureNotApproved', params: { name: task.signatureText } };
  }
  const template = task.templateId ? await findTemplate(db, task.templateId) : undefined;
  if (!template || template.status !== 'approved' || template.content !== task.templateContent) {
    return { key: 'tasks.errors.templateNotApproved', params: { name: task.templateName } };
  }
  if (task.sendMode === 'scheduled' && task.sendAt && task.sendAt <= now.toISOString()) return { key: 'tasks.errors.scheduleExpired' };
  // Issue 11: a cloud account sends only templates it has a provider template for.
  const unmapped = await mappingRefusal(db, task);
  if (unmapped) return unmapped;
  return null;
}

export function canManageTask(user: User, task: Pick<Task, 'createdBy'>): boolean {
  return user.role === 'admin' || user.id === task.createdBy;
}

/** `confirming`: the task's recipients are still being moved, in parts, in the background (confirm-move.service.ts). */
export type ConfirmOutcome = { ok: true; taskId: string; confirming?: boolean } | { ok: false; refusal: ConfirmRefusal };

/**
 * Confirms a draft and gives it its task id (the next of the day in `timeZone`). A task already confirmed is left
 * as it is (so confirming twice, even by the draft's old handle, is harmless and answers the same id); refuses when
 * the catalogue changed since the check. The draft, its signature and its template are read again inside the
 * confirming transaction (BEGIN IMMEDIATE: no other write can slip in), so a signature or template an admin
 * rejected or disabled a moment ago is never sent, and two confirms never take the same id.
 *
 * Issue 15: a draft of more than ONE_TRANSACTION_ROWS recipients (and not confirmed inside a caller's transaction)
 * is confirmed in parts: this transaction gives it its id and makes it `confirming`, and the move runs on in the
 * background (`move` hears when it ends); the answer says `confirming`.
 */
export async function confirmDraft(
  db: Knex,
  draftId: string,
  user: User,
  timeZone: string,
  now = new Date(),
  by: AuditContext = SYSTEM_CONTEXT,
  move: StartOptions = {},
): Promise<ConfirmOutcome> {
  const outcome = await confirmAndMoveOrBegin(db, draftId, user, timeZone, now, by, move.partChunks);
  if (outcome.ok && outcome.confirming) void startConfirmMove(db, outcome.taskId, move);
  return outcome;
}

async function confirmAndMoveOrBegin(db: Knex, draftId: string, user: User, timeZone: string, now: Date, by: AuditContext, partChunks?: number): Promise<ConfirmOutcome> {
  return db.transaction(async (trx) => {
    const task = await findTask(trx, draftId);
    if (!task) throw new HttpError(404, 'errors.notFound');
    if (!canManageTask(user, task)) throw new HttpError(403, 'errors.forbidden');
    if (task.status !== 'draft') return { ok: true, taskId: task.id, confirming: task.status === 'confirming' };
    const refusal = await confirmRefusal(trx, task, now);
    if (refusal) return { ok: false, refusal };
    const taskId = await allocateTaskId(trx, now, timeZone);
    await assignTaskId(trx, task.id, taskId);
    const snapshot = {
      signature_text: task.signatureText,
      template_name: task.templateName,
      template_content: task.templateContent,
      sms_type: task.smsType,
      send_at: task.sendMode === 'now' ? now.toISOString() : task.sendAt!,
      // Frozen here, in the confirming transaction: a routing change later never moves a task half-way.
      carrier_account_id: (await findRoute(trx, task.smsType))?.primaryAccountId ?? null,
    };
    // Inside a caller's transaction (the API's create-and-confirm) there is no committing in between: one part.
    const inParts = !db.isTransaction && confirmsInParts(task.recipientCount, partChunks);
    if (inParts) await markDraftConfirming(trx, taskId, snapshot);
    else {
      await markDraftConfirmed(trx, taskId, snapshot);
      await moveDraftRecipients(trx, taskId);
    }
    await recordAudit(trx, {
      ...by,
      action: 'task.confirmed',
      object: { type: 'task', id: taskId },
      summary: {
        after: {
          smsType: task.smsType,
          signature: task.signatureText,
          template: task.templateName,
          recipients: task.recipientCount,
          sendMode: task.sendMode,
          sendAt: task.sendMode === 'now' ? now.toISOString() : task.sendAt,
          source: task.source,
          resendOf: task.resendOf,
        },
      },
    });
    return { ok: true, taskId, confirming: inParts };
  });
}
