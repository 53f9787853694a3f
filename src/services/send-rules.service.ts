import type { Knex } from 'knex';
import { DEFAULT_SEND_RULES, getSettings, type SendRuleSettings, type Settings } from './settings.service';
import type { QuietHours } from '../time/quiet-hours';

/**
 * Issue 14's send rules read from the settings: the opt-out list, quiet hours and frequency caps, applied at the check
 * (recipients.screen) and at send time (the dispatcher's one call per batch and one check per task).
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
