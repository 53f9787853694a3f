import { createHash, createHmac } from 'node:crypto';

/**
 * Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256 (the "Signature v3" page of the API reference), written
 * here rather than taken from tencentcloud-sdk-nodejs-sms: see README "Cloud SMS providers", why no SDK.
 * Only what Qunfa sends: POST, JSON body, signed headers content-type;host. The fake provider in the tests checks
 * with these same steps, so a mistake here cannot pass unnoticed: the documentation's worked example is a vector.
 */
export interface Tc3Input {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  /** The exact body bytes sent. */
  payload: string;
  /** Seconds since the epoch (the X-TC-Timestamp header). */
  timestamp: number;
  contentType?: string;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

export const TC3_CONTENT_TYPE = 'application/json; charset=utf-8';

export function tc3Signature(input: Tc3Input): { authorization: string; signature: string } {
  const contentType = input.contentType ?? TC3_CONTENT_TYPE;
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalHeaders = `content-type:${contentType}\nhost:${input.host}\n`;
  const signedHeaders = 'content-type;host';
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256Hex(input.payload)].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const secretDate = hmac(`TC3${input.secretKey}`, date);
  const secretService = hmac(secretDate, input.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  const authorization = `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { authorization, signature };
}
