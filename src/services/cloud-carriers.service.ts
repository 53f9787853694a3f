import type { Knex } from 'knex';
import { isCloudProvider, type CloudSettings } from '../carrier/cloud/cloud-account.fields';
import type { CloudClient, HttpOptions } from '../carrier/cloud/cloud-client';
import { CloudCarrier } from '../carrier/cloud/cloud.carrier';
import { TencentClient } from '../carrier/cloud/tencent.client';
import { AliyunClient } from '../carrier/cloud/aliyun.client';
import { UcloudClient } from '../carrier/cloud/ucloud.client';
import type { CarrierAccount } from '../queries/carrier-accounts.queries';
import { markCloudAccountDown } from '../queries/cloud-account-state.queries';
import { openSecrets } from '../secrets/secret-box';
import { storeReply } from './carrier-callbacks.service';

/** A provider's answer within this, or the call's messages are unknown (README, "Cloud SMS providers"). */
export const CLOUD_TIMEOUT_MS = 15_000;

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

/** The Carrier of a cloud account, which marks the account down on /carriers when the provider refuses it. */
export function cloudCarrierFor(db: Knex, account: CarrierAccount, secretKey: Buffer, http?: HttpOptions): CloudCarrier | null {
  const client = cloudClientFor(account, secretKey, http);
  if (!client) return null;
  const pollMs = (account.settings as CloudSettings).poll_seconds * 1000;
  return new CloudCarrier(client, { name: account.name, pollMs, onAccountDown: (code) => markCloudAccountDown(db, account.id, code.code) });
}

/**
 * Pulls the account's replies and stores them through the one entry point for replies (a repeat of one already
 * stored, pulled or pushed, is dropped). For the lead's carrier set to call every poll_seconds. Returns how many
 * were new.
 */
export async function pullCloudReplies(db: Knex, accountId: number, carrier: CloudCarrier): Promise<number> {
  let stored = 0;
  for (const reply of await carrier.pullReplies()) if ((await storeReply(db, accountId, reply)) !== null) stored += 1;
  return stored;
}
