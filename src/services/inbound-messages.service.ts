import type { Knex } from 'knex';
import { insertInboundMessage, type InboundWrite } from '../queries/inbound-messages.queries';
import { optOutFromReply } from './opt-out-replies.service';

/**
 * The one entry point for a reply from a handset, whichever carrier received it (SMPP deliver_sm, a cloud provider's
 * pull or callback). Rules that act on replies (issue 14's opt-out keywords) hook in here, inside the same
 * transaction, so a reply is never stored without them having seen it.
 * Returns the stored id, or null for a repeat of a reply already stored.
 */
export async function recordInboundMessage(db: Knex, message: InboundWrite): Promise<number | null> {
  return db.transaction(async (trx) => {
    const id = await insertInboundMessage(trx, message);
    if (id !== null) await optOutFromReply(trx, id, message);
    return id;
  });
}
