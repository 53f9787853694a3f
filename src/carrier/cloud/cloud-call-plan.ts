/**
 * How a batch becomes a provider's calls: messages with the same provider template, signature and parameters share a
 * same-parameter call (split at its limit); the rest go in per-number calls where the provider has one (Alibaba,
 * UCloud), else one call each (Tencent). Each call's tag is `q<first message id>`: sent with it where the API carries
 * a caller's reference, it finds a lost call's messages again.
 */
import { inPieces, type CloudClient, type CloudRecipient, type CloudSendCall } from './cloud-client';
import type { CloudOutgoingMessage, CloudTemplateRef } from './cloud.carrier';

export function planCalls(messages: readonly CloudOutgoingMessage[], client: Pick<CloudClient, 'sameParamsLimit' | 'perNumberLimit'>): CloudSendCall[] {
  const groups = new Map<string, { ref: CloudTemplateRef; recipients: CloudRecipient[] }>();
  for (const m of messages) {
    if (!m.cloud) continue;
    // NUL cannot occur in a template code, signature or parameter, so the joined key is unambiguous (and cheaper
    // than JSON per message).
    const key = [m.cloud.templateCode, m.cloud.signName, ...m.cloud.params].join('\u0000');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ref: m.cloud, recipients: [] }));
    group.recipients.push({ messageId: m.id, phone: m.phone, params: m.cloud.params, paramNames: m.cloud.paramNames });
  }
  const calls: CloudSendCall[] = [];
  const singles = new Map<string, CloudRecipient[]>();
  const tag = (recipients: readonly CloudRecipient[]) => `q${recipients[0].messageId}`;
  for (const { ref, recipients } of groups.values()) {
    if (recipients.length === 1 && client.perNumberLimit > 1) {
      const key = JSON.stringify([ref.templateCode, ref.signName]);
      const alike = singles.get(key);
      if (alike) alike.push(...recipients);
      else singles.set(key, [...recipients]);
      continue;
    }
    for (const piece of inPieces(recipients, client.sameParamsLimit)) {
      calls.push({ templateCode: ref.templateCode, signName: ref.signName, recipients: piece, sameParams: true, callTag: tag(piece) });
    }
  }
  for (const [key, recipients] of singles) {
    const [templateCode, signName] = JSON.parse(key) as [string, string];
    for (const piece of inPieces(recipients, client.perNumberLimit)) {
      calls.push({ templateCode, signName, recipients: piece, sameParams: piece.length === 1, callTag: tag(piece) });
    }
  }
  return calls;
}
