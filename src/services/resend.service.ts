import type { Knex } from 'knex';
import { serializeOn } from '../db/locks';
import { HttpError } from '../http-error';
import type { User } from '../queries/users.queries';
import { findTask, type Task } from '../queries/tasks.queries';
import { messagesInStatus, numbersWithStatus, openResendDrafts, type ResendCandidate } from '../queries/resend.queries';
import { checkRecipients, type InputRow } from '../sms/recipient-check';
import { canManageTask, createDraft } from './drafts.service';
import { isFinished } from './task-detail.service';
import { packRecipients } from '../drafts/recipient-chunks';
import { recordAudit, SYSTEM_CONTEXT, type AuditContext } from './audit.service';

/**
 * "Resend to failed" (issue 5): a new draft task with the source's snapshot (signature and template text, and
 * their ids, so confirming it is refused if they are no longer approved) and only the recipients whose message
 * failed (and, if asked, was rejected), with the same parameters; the content is rendered and measured again by
 * the one implementation in src/sms. It then goes through the usual check page and confirm.
 *
 * - A number the source task delivered to, or is still awaiting a receipt for, is never included, even when
 *   another of its messages failed: that person has (or may yet have) the message.
 * - Resending twice gives the same draft: an open draft of this source with the same options is reused, checked
 *   and made in one transaction so two clicks cannot both create one.
 */

export interface ResendOptions {
  includeRejected: boolean;
  /**
   * "Send the rest" of a stopped task (issue 12, item 2): its cancelled recipients instead of its failed ones, by the
   * same rules (never a number already reached, one open draft per source and options).
   */
  rest?: boolean;
  /**
   * Messages that ended `unknown` (SMPP: written, never answered) are left out unless the user ticks this: the
   * person may already have them, so sending again risks a duplicate.
   */
  includeUnknown?: boolean;
}

export type ResendOutcome =
  | { ok: true; draftId: string; reused: boolean; recipients: number; skipped: number }
  | { ok: false; key: string };

/** Numbers in these states are never sent again by a resend. */
const REACHED = ['delivered', 'submitted'];

export function resendStatuses(options: ResendOptions): string[] {
  if (options.rest) return ['cancelled'];
  return ['failed', ...(options.includeRejected ? ['rejected'] : []), ...(options.includeUnknown ? ['unknown'] : [])];
}

/** Whether the page offers "send the rest": a task stopped while sending, with messages it never sent. */
export function canSendRest(user: User, task: Pick<Task, 'createdBy' | 'status' | 'cancelledCount' | 'cancelledAt' | 'startedAt'>): boolean {
  return canManageTask(user, task) && task.status === 'cancelled' && task.startedAt !== null && task.cancelledCount > 0;
}

/** Whether the page offers the resend button to this user (`withUnknown`: the details page, which offers the unknown too). */
export function canResend(
  user: User,
  task: Pick<Task, 'createdBy' | 'status' | 'failedCount' | 'rejectedCount'> & { unknownCount?: number },
  withUnknown = false,
): boolean {
  return canManageTask(user, task) && isFinished(task) && task.failedCount + task.rejectedCount + (withUnknown ? (task.unknownCount ?? 0) : 0) > 0;
}

async function candidates(db: Knex, taskId: string, statuses: readonly string[]): Promise<ResendCandidate[]> {
  const out: ResendCandidate[] = [];
  for (const status of statuses) for await (const batch of messagesInStatus(db, taskId, status)) out.push(...batch);
  // In the order of the source's rows, as the recipients were first given.
  return out.sort((a, b) => a.rowNumber - b.rowNumber || a.id - b.id);
}

export async function resendFailed(db: Knex, sourceId: string, user: User, options: ResendOptions, timeZone: string, by: AuditContext = SYSTEM_CONTEXT): Promise<ResendOutcome> {
  const source = await findTask(db, sourceId);
  if (!source || source.status === 'draft') throw new HttpError(404, 'errors.notFound');
  if (!canManageTask(user, source)) throw new HttpError(403, 'errors.forbidden');
  if (!isFinished(source)) return { ok: false, key: 'tasks.resend.notFinished' };

  const statuses = resendStatuses(options);
  const optionsKey = statuses.join('+');
  const reusable = async (trx: Knex) =>
    (await openResendDrafts(trx, source.id, new Date().toISOString())).find(
      (d) => d.formState.resendStatuses === optionsKey && (d.createdBy === user.id || user.role === 'admin'),
    );
  const existing = await reusable(db);
  if (existing) return { ok: true, draftId: existing.id, reused: true, recipients: 0, skipped: 0 };

  const failed = await candidates(db, source.id, statuses);
  if (failed.length === 0) return { ok: false, key: options.rest ? 'tasks.sendRest.nothing' : options.includeRejected ? 'tasks.resend.nothingWithRejected' : 'tasks.resend.nothing' };
  // Unless the unknown are resent too, a number with an unknown message may have it: like one awaiting a receipt.
  const reached = await numbersWithStatus(db, source.id, [...new Set(failed.map((m) => m.phone))], options.includeUnknown ? REACHED : [...REACHED, 'unknown']);
  const rows: InputRow[] = failed.filter((m) => !reached.has(m.phone)).map((m) => ({ rowNumber: m.rowNumber, cells: [m.phone, ...m.params] }));
  if (rows.length === 0) return { ok: false, key: options.rest ? 'tasks.sendRest.allReached' : 'tasks.resend.allReached' };
  const report = checkRecipients(rows, { signature: source.signatureText, templateContent: source.templateContent });

  return db.transaction(async (trx) => {
    // Two resends of one task at once (a double click, two instances): the second waits here, then finds the
    // first one's draft. SQLite's transactions take turns already; PostgreSQL's would both find none.
    await serializeOn(trx, `resend:${source.id}`);
    const raced = await reusable(trx);
    if (raced) return { ok: true as const, draftId: raced.id, reused: true, recipients: 0, skipped: 0 };
    const draftId = await createDraft(trx, {
      user,
      signature: { id: source.signatureId, name: source.signatureText },
      template: { id: source.templateId, name: source.templateName, smsType: source.smsType, content: source.templateContent },
      sendMode: 'now',
      sendAt: null,
      source: 'resend',
      fileName: null,
      report,
      recipients: packRecipients(report.valid),
      formState: {
        smsType: source.smsType,
        signatureId: source.signatureId === null ? '' : String(source.signatureId),
        templateId: source.templateId === null ? '' : String(source.templateId),
        recipientsMode: 'import',
        sendMode: 'now',
        resendStatuses: optionsKey,
      },
      timeZone,
      resendOf: source.id,
    });
    // The draft still goes through the check page; its confirm is recorded as task.confirmed with resendOf.
    await recordAudit(trx, {
      ...by,
      action: 'task.resent',
      object: { type: 'task', id: source.id },
      // "Send the rest" of a stopped task is the same action, told apart by `rest: true` (and its statuses, `cancelled`).
      summary: { after: { draft: draftId, statuses: optionsKey, ...(options.rest ? { rest: true } : {}), recipients: report.valid.length, skipped: failed.length - rows.length } },
    });
    return { ok: true as const, draftId, reused: false, recipients: report.valid.length, skipped: failed.length - rows.length };
  });
}
