/**
 * A cloud account's Carrier for today's dispatcher, which hands over only id, phone and content: it looks up each
 * message's parameters and its task's template and signature, puts the account's provider template on it, and sends
 * through CloudCarrier. Once the rewired dispatcher passes `CloudOutgoingMessage`s itself (README, "For the
 * dispatcher"), CloudCarrier is used directly and this look-up goes away.
 */
import type { Knex } from 'knex';
import type { Carrier, DeliveryReceipt, OutgoingMessage, SubmitResult } from '../carrier';
import type { CloudCarrier, CloudOutgoingMessage, CloudTemplateRef } from './cloud.carrier';
import { messageTemplates } from '../../queries/cloud-messages.queries';
import { findMapping } from '../../queries/carrier-mappings.queries';

export class AccountCloudCarrier implements Carrier {
  readonly name: string;

  constructor(
    private readonly db: Knex,
    private readonly accountId: number,
    readonly cloud: CloudCarrier,
  ) {
    this.name = cloud.name;
  }

  /** The messages with their provider template; one without a mapping goes without (CloudCarrier rejects it). */
  async withTemplates(messages: readonly OutgoingMessage[]): Promise<CloudOutgoingMessage[]> {
    const rows = new Map((await messageTemplates(this.db, messages.map((m) => m.id))).map((r) => [r.id, r]));
    const refs = new Map<string, Omit<CloudTemplateRef, 'params'> | null>();
    const out: CloudOutgoingMessage[] = [];
    for (const m of messages) {
      const row = rows.get(m.id);
      if (!row) {
        out.push(m);
        continue;
      }
      const key = JSON.stringify([row.templateName, row.signatureText]);
      if (!refs.has(key)) {
        const template = await findMapping(this.db, this.accountId, 'template', row.templateName);
        const signature = await findMapping(this.db, this.accountId, 'signature', row.signatureText);
        refs.set(key, template ? { templateCode: template.providerRef, signName: signature?.providerRef ?? row.signatureText, paramNames: template.paramNames ?? undefined } : null);
      }
      const ref = refs.get(key);
      out.push(ref ? { ...m, cloud: { ...ref, params: row.params } } : m);
    }
    return out;
  }

  async submitBatch(messages: readonly OutgoingMessage[]): Promise<SubmitResult[]> {
    return this.cloud.submitBatch(await this.withTemplates(messages));
  }

  pullReceipts(limit: number): Promise<DeliveryReceipt[]> {
    return this.cloud.pullReceipts(limit);
  }

  ackReceipts(receiptIds: readonly string[]): Promise<void> {
    return this.cloud.ackReceipts(receiptIds);
  }
}
