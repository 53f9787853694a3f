import { createHash } from 'node:crypto';

/**
 * UCloud API signing ("签名算法" in the API reference): the parameters sorted by name, each name followed by its
 * value with no separator and no URL escaping, the private key appended, SHA-1 in lower-case hex.
 * Values are the strings that go on the wire (booleans as true/false, whole numbers without a decimal part).
 */
export function ucloudSignature(params: Readonly<Record<string, string>>, privateKey: string): string {
  const names = Object.keys(params).filter((name) => name !== 'Signature').sort();
  const text = names.map((name) => name + params[name]).join('') + privateKey;
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
