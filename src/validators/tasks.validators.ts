import { SMS_TYPES, type SmsType } from '../sms/template';
import { parseLocalDateTime } from '../time/zoned-time';
import { parseId } from './users.validators';
import { field, hasErrors, type FieldErrors, type Parsed } from './validation';

export const MIN_SCHEDULE_LEAD_MS = 60 * 1000;

export interface TaskForm {
  smsType: SmsType;
  signatureId: number;
  templateId: number;
  recipientsMode: 'manual' | 'import';
  manualNumbers: string;
  sendMode: 'now' | 'scheduled';
  sendAt: Date | null;
}

/** The fields as typed, to put back into the form after a 422 (and to remember in the draft). */
export function taskFormValues(body: unknown): Record<string, string> {
  const names = ['smsType', 'signatureId', 'templateId', 'recipientsMode', 'manualNumbers', 'sendMode', 'sendAt'];
  return Object.fromEntries(names.map((n) => [n, field(body, n)]));
}

export function parseTaskForm(body: unknown, ctx: { now: Date; timeZone: string; horizonDays: number }): Parsed<TaskForm> {
  const errors: FieldErrors = {};
  const smsType = field(body, 'smsType');
  if (!(SMS_TYPES as readonly string[]).includes(smsType)) errors.smsType = { key: 'tasks.errors.smsType' };
  const signatureId = parseId(field(body, 'signatureId'));
  if (signatureId === null) errors.signatureId = { key: 'tasks.errors.signature' };
  const templateId = parseId(field(body, 'templateId'));
  if (templateId === null) errors.templateId = { key: 'tasks.errors.template' };
  const recipientsMode = field(body, 'recipientsMode') === 'manual' ? 'manual' : 'import';
  const manualNumbers = field(body, 'manualNumbers');
  const sendMode = field(body, 'sendMode') === 'scheduled' ? 'scheduled' : 'now';
  let sendAt: Date | null = null;
  if (sendMode === 'scheduled') {
    const raw = field(body, 'sendAt').trim();
    sendAt = raw === '' ? null : parseLocalDateTime(raw, ctx.timeZone);
    const horizonEnd = ctx.now.getTime() + ctx.horizonDays * 86_400_000;
    if (raw === '') errors.sendAt = { key: 'tasks.errors.sendAtRequired' };
    else if (!sendAt) errors.sendAt = { key: 'tasks.errors.sendAtInvalid' };
    else if (sendAt.getTime() < ctx.now.getTime() + MIN_SCHEDULE_LEAD_MS) errors.sendAt = { key: 'tasks.errors.sendAtPast' };
    else if (sendAt.getTime() > horizonEnd) errors.sendAt = { key: 'tasks.errors.sendAtHorizon', params: { days: ctx.horizonDays } };
  }
  if (hasErrors(errors)) return { ok: false, errors };
  return {
    ok: true,
    value: { smsType: smsType as SmsType, signatureId: signatureId!, templateId: templateId!, recipientsMode, manualNumbers, sendMode, sendAt },
  };
}
