import type { Knex } from 'knex';
import { DEFAULT_SEND_RULES, getSettings, type SendRuleSettings, type Settings } from './settings.service';
import { isQuietAt, nextAllowedAt, type QuietHours } from '../time/quiet-hours';
import { optedOutAmong } from '../queries/opt-outs.queries';
import { bumpSendCounts, clearQuietPause, pauseForQuietHours, sendCountsAmong, taskSendState, taskSmsType } from '../queries/send-rules.queries';
import { skipMessages } from '../queries/message-transitions.queries';
import { capsActive, daysBefore, localDay, overCap } from '../opt-outs/cap-days';
import { formatDateTime } from '../time/zoned-time';
import type { FieldError } from '../validators/validation';

/**
 * Issue 14's send rules read from the settings: the opt-out list, quiet hours and frequency caps, applied at the check
 * (send-rules-check.service.ts) and at send time (the dispatcher's one call per batch taken and one check before each batch).
 */

/** The send-rule settings alone; their values do not depend on the server's zone (an empty quiet-hours zone means "the default"). */
export async function readSendRules(db: Knex): Promise<SendRuleSettings> {
  return (await getSettings(db, { timeZone: 'UTC' })).sendRules ?? DEFAULT_SEND_RULES;
}

/** The quiet-hours window with its zone resolved: its own, or the settings' default zone. */
export function quietHoursOf(settings: Pick<Settings, 'timeZone' | 'sendRules'>): QuietHours {
  const q = settings.sendRules.quietHours;
  return { enabled: q.enabled, start: q.start, end: q.end, timeZone: q.timeZone || settings.timeZone };
}

/** Whether the opt-out list and the caps apply to this SMS type: marketing always, the others unless exempt. */
export function rulesApplyTo(smsType: string, rules: SendRuleSettings): boolean {
  return smsType === 'marketing' || !rules.transactionalExempt;
}

/**
 * Send time, once per batch taken (the dispatcher's one call): messages whose number opted out after the confirm
 * become `suppressed`, messages to numbers that reached a frequency cap meanwhile `capped`, both counted on the
 * task in one transaction; the marketing messages left are counted against their numbers for today. Returns the
 * messages to hand to the carrier. A message's first attempt is the one counted (a retry or a takeover of the
 * same message is not a second message to the handset).
 */
export async function applySendRules<M extends { id: number; phone: string; attempts: number }>(db: Knex, taskId: string, batch: readonly M[], settings: Settings, now: Date): Promise<M[]> {
  if (batch.length === 0) return [];
  const smsType = await taskSmsType(db, taskId);
  const rules = settings.sendRules;
  if (!smsType || !rulesApplyTo(smsType, rules)) return [...batch];
  const marketing = smsType === 'marketing';
  const today = localDay(now, settings.timeZone);
  const nowIso = now.toISOString();
  return db.transaction(async (trx) => {
    const phones = batch.map((m) => m.phone);
    const optedOut = await optedOutAmong(trx, phones);
    const caps = rules.frequencyCaps;
    const firsts = batch.filter((m) => m.attempts <= 1 && !optedOut.has(m.phone));
    const counts = marketing && capsActive(caps) && firsts.length ? await sendCountsAmong(trx, firsts.map((m) => m.phone), daysBefore(today, caps.periodDays - 1), today) : new Map();
    const suppressed: number[] = [];
    const capped: number[] = [];
    const sendable: M[] = [];
    for (const m of batch) {
      if (optedOut.has(m.phone)) suppressed.push(m.id);
      else if (m.attempts <= 1 && overCap(counts.get(m.phone), today, caps)) capped.push(m.id);
      else sendable.push(m);
    }
    await skipMessages(trx, taskId, suppressed, 'suppressed', nowIso);
    await skipMessages(trx, taskId, capped, 'capped', nowIso);
    if (marketing) await bumpSendCounts(trx, [...new Set(sendable.filter((m) => m.attempts <= 1).map((m) => m.phone))], today);
    return sendable;
  });
}

/**
 * Before each batch of a marketing task (the dispatcher's one check): inside quiet hours the task pauses until the
 * window ends and the caller stops sending it (true); outside them a past pause is cleared (false).
 */
export async function holdForQuietHours(db: Knex, taskId: string, owner: string, settings: Settings, now: Date, beforePause: () => Promise<void> = async () => undefined): Promise<boolean> {
  const window = quietHoursOf(settings);
  const state = await taskSendState(db, taskId);
  if (!state || state.smsType !== 'marketing') return false;
  if (!window.enabled || !isQuietAt(window, now)) {
    // A read, not a write, before every batch; the pause is cleared once, when the task resumes.
    if (state.quietPausedUntil !== null) await clearQuietPause(db, taskId);
    return false;
  }
  // The caller's work still out (a pipelined carrier's batches) is recorded before the lease is handed back.
  await beforePause();
  return pauseForQuietHours(db, taskId, owner, nextAllowedAt(window, now).toISOString());
}

/**
 * At the form and the API: a marketing task scheduled inside quiet hours is refused, with the first allowed time
 * (shown in the default zone) offered. A send-now task is not refused here: the dispatcher holds it until they end.
 */
export function quietHoursRefusal(smsType: string, sendAt: Date | null, settings: Pick<Settings, 'timeZone' | 'sendRules'>): FieldError | null {
  if (smsType !== 'marketing' || !sendAt) return null;
  const window = quietHoursOf(settings);
  if (!isQuietAt(window, sendAt)) return null;
  const next = nextAllowedAt(window, sendAt);
  return { key: 'tasks.errors.sendAtQuietHours', params: { start: window.start, end: window.end, zone: window.timeZone, next: formatDateTime(next, settings.timeZone), nextZone: settings.timeZone } };
}
