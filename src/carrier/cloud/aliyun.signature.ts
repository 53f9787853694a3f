import { createHmac } from 'node:crypto';

/**
 * Alibaba Cloud RPC signing, version 1.0 with HMAC-SHA1 (the "Signature mechanism" page for RPC APIs):
 * every parameter but Signature, percent-encoded per RFC 3986 (space as %20, * as %2A, ~ kept), sorted by name,
 * joined as a query string; StringToSign = METHOD & encode("/") & encode(query); the key is the secret plus "&".
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name])}`)
    .join('&');
}

export function aliyunSignature(method: 'GET' | 'POST', params: Readonly<Record<string, string>>, accessKeySecret: string): string {
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}
