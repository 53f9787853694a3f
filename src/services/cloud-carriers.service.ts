import type { Knex } from 'knex';
import { isCloudProvider, type CloudSettings } from '../carrier/cloud/cloud-account.fields';
import type { CloudClient, HttpOptions } from '../carrier/cloud/cloud-client';
import { CloudCarrier } from '../carrier/cloud/cloud.carrier';
import { AccountCloudCarrier } from '../carrier/cloud/account-cloud.carrier';
import { storedCloudCode } from '../carrier/cloud/cloud-codes';
import { TencentClient } from '../carrier/cloud/tencent.client';
import { AliyunClient } from '../carrier/cloud/aliyun.client';
import { UcloudClient } from '../carrier/cloud/ucloud.client';
import type { CarrierAccount } from '../queries/carrier-accounts.queries';
import { markCloudAccountDown, markCloudAccountUp } from '../queries/cloud-account-state.queries';
import { openSecrets } from '../secrets/secret-box';
import { storeReply } from './carrier-callbacks.service';
import { DatabaseReceiptWaits } from './cloud-receipt-waits.service';

/**
 * A provider's answer within this, or the call's messages are unknown (README, "Cloud SMS providers"). With the
 * adapter's budgets (calls started within 5 s, look-ups of a lost call within 3 s), a submit ends within 28 s, inside
 * the dispatcher's 30.
 */
export const CLOUD_TIMEOUT_MS = 10_000;

/** The client of a cloud account, its credentials opened from the sealed box. Null for other kinds. */
export function cloudClientFor(account: CarrierAccount, secretKey: Buffer, http: HttpOptions = { timeoutMs: CLOUD_TIMEOUT_MS }): CloudClient | null {
  if (!isCloudProvider(account.kind)) return null;
  const settings = account.settings as CloudSettings;
  const secrets = openSecrets(secretKey, account.secretsBox);
  switch (account.kind) {
    case 'tencent':
      return new TencentClient({ endpoint: settings.endpoint, region: settings.region, sdkAppId: settings.sdk_app_id, secretId: secrets.secret_id, secretKey: secrets.secret_key }, http);
    case 'aliyun':
      return new AliyunClient({ endpoint: settings.endpoint, accessKeyId: secrets.access_key_id, accessKeySecret: secrets.access_key_secret }, http);
    case 'ucloud':
      return new UcloudClient({ endpoint: settings.endpoint, publicKey: secrets.public_key, privateKey: secrets.private_key, projectId: settings.project_id }, http);
  }
}

/**
 * The Carrier of a cloud account (kinds tencent, aliyun, ucloud): what the dispatcher's carrier set registers for
 * these kinds. It looks up each message's provider template, marks the account down on /carriers when the provider
 * refuses the credentials or the balance (and up again at its next accepted call), and follows edits of the account.
 */
export function cloudCarrierFor(db: Knex, account: CarrierAccount, secretKey: Buffer, options: { http?: HttpOptions; accountRecheckMs?: number } = {}): AccountCloudCarrier {
  if (!isCloudProvider(account.kind)) throw new Error(`cloudCarrierFor: ${account.kind} is not a cloud kind`);
  return new AccountCloudCarrier(db, account, (current) => cloudAdapterFor(db, current, secretKey, options.http), { recheckMs: options.accountRecheckMs });
}

/** The provider adapter of the account as stored now; throws when its credentials cannot be opened. */
function cloudAdapterFor(db: Knex, account: CarrierAccount, secretKey: Buffer, http?: HttpOptions): CloudCarrier {
  const client = cloudClientFor(account, secretKey, http)!;
  const pollMs = (account.settings as CloudSettings).poll_seconds * 1000;
  const carrier = new CloudCarrier(client, {
    name: account.name,
    pollMs,
    // Alibaba and UCloud are asked per message: the list survives a restart (Tencent's pull needs none).
    waits: new DatabaseReceiptWaits(db, account.id),
    onAccountDown: (code) => markCloudAccountDown(db, account.id, code.code),
    onAccountUp: () => markCloudAccountUp(db, account.id),
  });
  // Refused before a restart: no call until the probe time, rather than a batch to learn it again.
  const refused = account.state === 'down' && account.lastError ? storedCloudCode(account.lastError) : null;
  if (refused?.kind === 'account_down') carrier.startDown(refused, account.lastError!);
  return carrier;
}

/**
 * Pulls the account's replies and stores them through the one entry point for replies (a repeat of one already
 * stored, pulled or pushed, is dropped). Returns how many were new.
 */
export async function pullCloudReplies(db: Knex, accountId: number, carrier: AccountCloudCarrier): Promise<number> {
  let stored = 0;
  for (const reply of await carrier.pullReplies()) if ((await storeReply(db, accountId, reply)) !== null) stored += 1;
  return stored;
}
