import { SMS_TYPES, type SmsType } from '../sms/template';
import { parseLocalDateTime } from '../time/zoned-time';
import { parseId } from './users.validators';
import { field, hasErrors, type FieldError, type FieldErrors, type Parsed } from './validation';

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

/**
 * The schedule rule shared by the send form and the JSON API: at least MIN_SCHEDULE_LEAD_MS from now (so the task
 * is still waiting when it is confirmed) and no further ahead than the horizon setting.
 */
export function checkSendAt(sendAt: Date, ctx: { now: Date; horizonDays: number }): FieldError | null {
  if (sendAt.getTime() < ctx.now.getTime() + MIN_SCHEDULE_LEAD_MS) return { key: 'tasks.errors.sendAtPast' };
  if (sendAt.getTime() > ctx.now.getTime() + ctx.horizonDays * 86_400_000) return { key: 'tasks.errors.sendAtHorizon', params: { days: ctx.horizonDays } };
  return null;
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
    const scheduleError = raw === '' ? { key: 'tasks.errors.sendAtRequired' } : !sendAt ? { key: 'tasks.errors.sendAtInvalid' } : checkSendAt(sendAt, ctx);
    if (scheduleError) errors.sendAt = scheduleError;
  }
  if (hasErrors(errors)) return { ok: false, errors };
  return {
    ok: true,
    value: { smsType: smsType as SmsType, signatureId: signatureId!, templateId: templateId!, recipientsMode, manualNumbers, sendMode, sendAt },
  };
}
