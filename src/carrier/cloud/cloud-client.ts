/**
 * The shape every cloud provider's client has, so one adapter (cloud.carrier.ts) drives all three. A client only
 * speaks its provider's API: signing, batching limits, per-number results, receipts, replies, queries, templates.
 */
import { classifyCloudCode, CLOUD_HTTP, type CloudCode, type CloudProvider } from './cloud-codes';

export interface CloudRecipient {
  /** Our message id; sent along where the API carries a caller's reference, so a lost answer can be looked up. */
  messageId: number;
  /** E.164 without the plus for mainland numbers is what Qunfa stores (11 digits); clients add what their API wants. */
  phone: string;
  params: readonly string[];
  /** Alibaba's variable names for params, in order; the other providers number their variables. */
  paramNames?: readonly string[];
}

export interface CloudSendCall {
  /** The provider's template id or code (the account's mapping). */
  templateCode: string;
  /** The provider's approved signature text (the account's mapping). */
  signName: string;
  recipients: readonly CloudRecipient[];
  /**
   * Our reference for the call, sent where the API carries one (Tencent SessionContext, Alibaba OutId, UCloud
   * UserId): with the phone number it finds each message again when the answer was lost.
   */
  callTag: string;
  /** True: every recipient has the same parameters, so the same-parameter call (and its larger limit) applies. */
  sameParams: boolean;
}

export type CloudSendResult =
  | { messageId: number; accepted: true; ref: string }
  | { messageId: number; accepted: false; code: CloudCode; description: string };

/** A message sent and waiting for its receipt: what the providers that are queried per message need to ask. */
export interface SentRef {
  ref: string;
  phone: string;
  sentAt: Date;
}

export interface CloudReceipt {
  /** The same ref the send answered for this message. */
  ref: string;
  phone: string;
  delivered: boolean;
  /** Stored form, e.g. `TENCENT:DELIVRD`. */
  code: string;
  description: string;
  reportedAt: Date;
}

export interface CloudReply {
  phone: string;
  text: string;
  receivedAt: Date;
  /** The provider's id for the reply where it has one, else one built from its fields (repeats are dropped). */
  ref: string;
}

export interface ProviderTemplate {
  code: string;
  name: string;
  /** As the provider writes it: `{1}` (Tencent, UCloud) or `${name}` (Alibaba). */
  content: string;
  approved: boolean;
}

/** What a looked-up message turned out to be: sent (with its ref, and its receipt once there is one), or never sent. */
export type QueryOutcome = { found: true; ref: string; receipt: CloudReceipt | null } | { found: false };

export interface CloudClient {
  readonly provider: CloudProvider;
  /** Recipients per same-parameter call, and per per-number-parameter call (the provider's documented limits). */
  readonly sameParamsLimit: number;
  readonly perNumberLimit: number;
  /** True when receipts are asked per message (Alibaba, UCloud): with none waiting, there is nothing to ask. */
  readonly receiptsByRef: boolean;
  send(call: CloudSendCall): Promise<CloudSendResult[]>;
  /** Receipts available now. Providers that answer per message are given the messages still waiting. */
  pullReceipts(waiting: readonly SentRef[]): Promise<CloudReceipt[]>;
  pullReplies(): Promise<CloudReply[]>;
  /** Looks up a message whose send got no answer: by number and time plus the reference we sent with it. */
  query(recipient: CloudRecipient, sentAt: Date, callTag: string): Promise<QueryOutcome | 'unsupported'>;
  /** The provider's templates, or 'unsupported' when its API cannot list them. */
  listTemplates(): Promise<ProviderTemplate[] | 'unsupported'>;
  /** The provider's approved signature texts, or 'unsupported' (Tencent lists signatures only by their ids). */
  listSignatures(): Promise<string[] | 'unsupported'>;
}

/** The provider refused the whole call (credentials, balance, flow control, a bad template…). */
export class CloudCallError extends Error {
  constructor(
    readonly cloudCode: CloudCode,
    message: string,
  ) {
    super(message);
  }
}

/** The request may have reached the provider but no answer came: its messages' fate is unknown. */
export class CloudTimeoutError extends Error {}

export interface HttpOptions {
  timeoutMs: number;
}

/**
 * One HTTP exchange. A failure to connect means nothing was sent (temporary); a timeout after the request went out
 * means we cannot know (CloudTimeoutError); a 5xx without a provider code is temporary.
 */
export async function postToProvider(
  provider: CloudProvider,
  url: string,
  init: { headers: Record<string, string>; body: string },
  options: HttpOptions,
): Promise<{ status: number; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new CloudTimeoutError(`${provider}: no answer within ${options.timeoutMs} ms`);
    throw new CloudCallError({ kind: 'temporary', provider, raw: 'CONNECT', code: `${CLOUD_HTTP}:CONNECT` }, `${provider}: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new CloudTimeoutError(`${provider}: the answer was cut off`);
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (json === null || typeof json !== 'object') {
    const kind = response.status >= 500 || response.status === 429 ? 'temporary' : 'permanent';
    throw new CloudCallError({ kind, provider, raw: String(response.status), code: `${CLOUD_HTTP}:${response.status}` }, `${provider}: HTTP ${response.status}`);
  }
  return { status: response.status, json };
}

export function providerError(provider: CloudProvider, raw: string, message: string): CloudCallError {
  return new CloudCallError(classifyCloudCode(provider, raw), `${provider}: ${raw}: ${message}`);
}

/** Splits a list into consecutive pieces of at most `size`. */
export function inPieces<T>(items: readonly T[], size: number): T[][] {
  const pieces: T[][] = [];
  for (let i = 0; i < items.length; i += size) pieces.push(items.slice(i, i + size));
  return pieces;
}
