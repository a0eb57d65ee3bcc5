import { createHmac } from 'node:crypto';
import { SUB_RESOURCES } from './sub-resources.js';

export type HeaderBag = Record<string, string | undefined>;

/** `/bucket/key` (raw key), `/bucket/` or `/`, plus `?` and the sorted sub-resources. */
export function canonicalResourceV1(bucket: string | undefined, key: string, query: [string, string][]): string {
  let resource = bucket === undefined ? '/' : `/${bucket}/${key}`;
  const subs = query.filter(([k]) => SUB_RESOURCES.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (subs.length) resource += `?${subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&')}`;
  return resource;
}

/** VERB\nContent-MD5\nContent-Type\nDATE\n[x-oss-*:v\n…]CanonicalizedResource */
export function stringToSignV1(method: string, headers: HeaderBag, dateSlot: string, resource: string): string {
  const oss = Object.keys(headers)
    .filter((k) => k.startsWith('x-oss-') && headers[k] !== undefined)
    .sort()
    .map((k) => `${k}:${String(headers[k]).trim()}\n`)
    .join('');
  return `${method.toUpperCase()}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${dateSlot}\n${oss}${resource}`;
}

export function signV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Signature for PostObject V1: HMAC-SHA1 over the base64 policy itself. */
export function signPolicyV1(secret: string, policyBase64: string): string {
  return signV1(secret, policyBase64);
}
