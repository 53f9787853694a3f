import { newCallbackToken } from '../carrier/cloud/cloud-account.fields';
import { openSecrets, SecretBoxError, sealSecrets } from '../secrets/secret-box';

/**
 * A cloud account's sealed box after an edit: the credentials given replace the stored ones, those left out are
 * kept, and the callback token is made once and then kept (its URL is configured in the provider's console).
 * A box this key cannot open (the key file was lost) is replaced whole.
 */
export function cloudSecretsBox(key: Buffer, stored: string | null, given: Record<string, string>): string {
  let kept: Record<string, string> = {};
  try {
    kept = openSecrets(key, stored);
  } catch (err) {
    if (!(err instanceof SecretBoxError)) throw err;
  }
  const next = { ...kept, ...given };
  if (!next.callback_token) next.callback_token = newCallbackToken();
  return sealSecrets(key, next);
}

/** The account's callback token, or null when it has none (not a cloud account, or a box this key cannot open). */
export function callbackTokenOf(key: Buffer, box: string | null): string | null {
  try {
    return openSecrets(key, box).callback_token ?? null;
  } catch (err) {
    if (err instanceof SecretBoxError) return null;
    throw err;
  }
}
