import type { Knex } from 'knex';
import type { InboundWrite } from '../queries/inbound-messages.queries';
import { isOptOutReply } from '../opt-outs/reply-keywords';
import { normalizePhone } from '../sms/phone';
import { readSendRules } from './send-rules.service';
import { addOptOutIn } from './opt-outs.service';

/**
 * An unsubscribe reply ("T", "退订", "ｔ") puts its number on the opt-out list, source "reply", linked to the stored
 * reply. Runs inside recordInboundMessage's transaction. A sender number that is not a mainland mobile cannot be
 * a recipient, so there is nothing to suppress for it.
 */
export async function optOutFromReply(trx: Knex, inboundMessageId: number, message: InboundWrite): Promise<boolean> {
  const rules = await readSendRules(trx);
  if (!isOptOutReply(message.text, rules.optOutKeywords)) return false;
  const phone = normalizePhone(message.phone);
  if (!phone.ok) return false;
  return addOptOutIn(trx, { phone: phone.phone, reason: message.text.trim().slice(0, 200), source: 'reply', actor: { userId: null, apiKeyId: null }, inboundMessageId });
}
