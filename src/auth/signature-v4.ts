import { createHash, createHmac } from 'node:crypto';
import type { HeaderBag } from './signature-v1.js';
import { SUB_RESOURCES } from './sub-resources.js';

/** encodeURIComponent plus !'()* escaped, as ali-oss's encodeString. */
export function encV4(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalUriV4(bucket: string | undefined, key: string): string {
  return encV4(`/${bucket ? `${bucket}/` : ''}${key}`).replace(/%2F/g, '/');
}

/**
 * How an empty query value is rendered: `rule` = bare key for a sub-resource, `k=` otherwise (what
 * ali-oss's header signing produces); `equals` = always `k=` (signatureUrlV4 with `queries: {k: ''}`);
 * `bare` = always a bare key (`queries: {k: null}`). The wire shows `k=` in every case.
 */
export type EmptyValueStyle = 'rule' | 'equals' | 'bare';
export const EMPTY_VALUE_STYLES: readonly EmptyValueStyle[] = ['rule', 'equals', 'bare'];

/** All query parameters sorted (localeCompare), `enc(k)=enc(v)`; an empty sub-resource is a bare key. */
export function canonicalQueryV4(query: [string, string][], empty: EmptyValueStyle = 'rule'): string {
  const bare = (k: string) => (empty === 'rule' ? SUB_RESOURCES.has(k) : empty === 'bare');
  return [...query]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (v === '' && bare(k) ? encV4(k) : `${encV4(k)}=${encV4(v)}`))
    .join('&');
}

export function canonicalRequestV4(
  method: string,
  bucket: string | undefined,
  key: string,
  query: [string, string][],
  headers: HeaderBag,
  additionalHeaders: string[],
  payloadHash: string,
  empty: EmptyValueStyle = 'rule',
): string {
  const names = new Set(additionalHeaders);
  for (const k of Object.keys(headers)) {
    if (headers[k] === undefined) continue;
    if (k === 'content-type' || k === 'content-md5' || k.startsWith('x-oss-')) names.add(k);
  }
  const canonicalHeaders = [...names]
    .sort()
    .map((k) => `${k}:${(headers[k] ?? '').trim()}\n`)
    .join('');
  return [
    method.toUpperCase(),
    canonicalUriV4(bucket, key),
    canonicalQueryV4(query, empty),
    canonicalHeaders,
    additionalHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function stringToSignV4(dateTime: string, scope: string, canonicalRequest: string): string {
  return `OSS4-HMAC-SHA256\n${dateTime}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
}

export function signingKeyV4(secret: string, day: string, region: string, product: string): Buffer {
  const kDate = createHmac('sha256', `aliyun_v4${secret}`).update(day).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kProduct = createHmac('sha256', kRegion).update(product).digest();
  return createHmac('sha256', kProduct).update('aliyun_v4_request').digest();
}

export function signV4(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

export interface V4Credential {
  accessKeyId: string;
  day: string;
  region: string;
  product: string;
  scope: string;
}

/** Parses `AK/yyyymmdd/region/product/aliyun_v4_request`. */
export function parseCredentialV4(credential: string): V4Credential | undefined {
  const parts = credential.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aliyun_v4_request') return undefined;
  const [day, region, product] = parts.slice(-4, -1);
  const accessKeyId = parts.slice(0, -4).join('/');
  if (!/^\d{8}$/.test(day) || !accessKeyId) return undefined;
  return { accessKeyId, day, region, product, scope: `${day}/${region}/${product}/aliyun_v4_request` };
}

/** Parses `OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=a;b,Signature=hex` (spaces after commas allowed). */
export function parseAuthorizationV4(
  header: string,
): { credential: string; additionalHeaders: string[]; signature: string } | undefined {
  const body = header.slice('OSS4-HMAC-SHA256'.length).trim();
  const fields = new Map<string, string>();
  for (const part of body.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential || !signature) return undefined;
  const additional = fields.get('AdditionalHeaders');
  return {
    credential,
    signature,
    additionalHeaders: additional ? additional.split(';').map((h) => h.trim().toLowerCase()) : [],
  };
}

/** `20261127T171429Z` → epoch ms. */
export function parseV4Date(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}
