import type { Knex } from 'knex';
import { isCloudProvider } from '../carrier/cloud/cloud-account.fields';
import { CloudCallError, CloudTimeoutError } from '../carrier/cloud/cloud-client';
import { listCarrierAccounts } from '../queries/carrier-accounts.queries';
import { storeReply } from '../services/carrier-callbacks.service';
import { cloudClientFor } from '../services/cloud-carriers.service';
import { SecretBoxError } from '../secrets/secret-box';

/**
 * Replies pulled from the cloud accounts that offer a pull (Tencent's PullSmsReplyStatus; Alibaba's come by
 * callback, UCloud has none), into /inbox through the one entry point for replies. It needs no sending: it runs on
 * its own, every minute. A provider that refuses or does not answer is skipped until the next run (its remark shows
 * when sending meets it); the others are still pulled.
 */
export async function runCloudReplies(db: Knex, secretKey: Buffer): Promise<{ stored: number; failed: string[] }> {
  let stored = 0;
  const failed: string[] = [];
  for (const account of await listCarrierAccounts(db)) {
    if (!account.enabled || !isCloudProvider(account.kind) || account.kind !== 'tencent') continue;
    try {
      const client = cloudClientFor(account, secretKey, { timeoutMs: 10_000 })!;
      for (const reply of await client.pullReplies()) if ((await storeReply(db, account.id, reply)) !== null) stored += 1;
    } catch (err) {
      if (!(err instanceof CloudCallError || err instanceof CloudTimeoutError || err instanceof SecretBoxError)) throw err;
      failed.push(`${account.name}: ${err.message}`);
    }
  }
  return { stored, failed };
}
