/** The JSON shapes of the API (snake_case, times as ISO-8601 UTC), built from the app's own types. */
import type { Translate } from '../i18n/i18n';
import type { MessageStatus } from '../queries/messages.queries';
import type { Receipt } from '../queries/receipts.queries';
import type { Task } from '../queries/tasks.queries';
import { problemReason } from '../sms/recipient-check';
import type { CheckSummary } from '../drafts/recipient-chunks';
import { messageParams } from '../i18n/number-format';
import type { FieldErrors } from '../validators/validation';

/** Stored times are ISO strings already; this makes sure of the UTC form and passes null through. */
export function isoUtc(value: string | null): string | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

export function taskJson(task: Task, counts: Record<MessageStatus, number>) {
  return {
    id: task.id,
    status: task.status,
    sms_type: task.smsType,
    signature: task.signatureText,
    template_name: task.templateName,
    template_content: task.templateContent,
    send_at: isoUtc(task.sendAt),
    started_at: isoUtc(task.startedAt),
    completed_at: isoUtc(task.completedAt),
    recipient_count: task.recipientCount,
    total_segments: task.totalSegments,
    counts,
  };
}

/**
 * The send form's check report; each refused row with its reason code and the message in the caller's language.
 * `valid`: how many recipients passed (they travel packed, apart from the report).
 */
export function reportJson(report: CheckSummary, valid: number, t: Translate) {
  return {
    rows_read: report.rowsRead,
    valid,
    invalid: report.invalid.map((r) => {
      const { reason, params } = problemReason(r.problem);
      return { row: r.rowNumber, value: r.value, reason, message: t(`tasks.reasons.${reason}`, params) };
    }),
    duplicates_removed: report.duplicatesRemoved,
    repeated_numbers: report.repeatedNumbers,
    total_segments: report.totalSegments,
  };
}

export function receiptJson(r: Receipt) {
  return {
    task_id: r.taskId,
    message_id: r.messageId,
    phone: r.phone,
    status: r.status,
    code: r.code,
    description: r.description,
    sent_at: isoUtc(r.sentAt),
    reported_at: isoUtc(r.reportedAt),
  };
}

/** A 422 body: `fields` maps each offending field (the API's names) to its message. */
export function validationFailed(errors: FieldErrors, t: Translate, extra: Record<string, unknown> = {}) {
  // Counts stay ungrouped here: API clients read these messages, and may parse them.
  const fields = Object.fromEntries(Object.entries(errors).map(([name, e]) => [name, t(e.key, messageParams(e, String))]));
  return { error: { code: 'validation_failed', message: t('api.errors.validationFailed'), fields }, ...extra };
}
