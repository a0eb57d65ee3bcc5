import { OBJECT_ACLS } from '../../auth/acl.js';
import type { HeaderBag } from '../../auth/signature-v1.js';
import { OssError } from '../../errors/oss-error.js';
import { headerValue } from '../../http/context.js';
import type { ContentHeaders, ObjectAcl, ObjectRecord } from '../../storage/types.js';
import { serverSideEncryptionHeaders } from './server-side-encryption.js';

export const MAX_META_BYTES = 8 * 1024;
export const MAX_OBJECT_BYTES = 5 * 1024 * 1024 * 1024;
const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** User metadata from x-oss-meta-* request headers (names lower-cased), at most 8 KB. */
export function metaFromHeaders(headers: HeaderBag): Record<string, string> {
  const meta: Record<string, string> = {};
  let bytes = 0;
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith('x-oss-meta-') || v === undefined) continue;
    const name = k.slice('x-oss-meta-'.length);
    meta[name] = v;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
  }
  if (bytes > MAX_META_BYTES) {
    throw new OssError('InvalidArgument', {
      message: 'Your metadata headers exceed the maximum allowed metadata size.',
      extra: { ArgumentName: 'x-oss-meta-*', ArgumentValue: String(bytes) },
    });
  }
  return meta;
}

export function contentHeadersFrom(headers: HeaderBag, fallbackType: string): ContentHeaders {
  return {
    contentType: headers['content-type'] || fallbackType,
    cacheControl: headers['cache-control'],
    contentDisposition: headers['content-disposition'],
    contentEncoding: headers['content-encoding'],
    contentLanguage: headers['content-language'],
    expires: headers.expires,
  };
}

export function objectAclFrom(headers: HeaderBag): ObjectAcl {
  const acl = headers['x-oss-object-acl'];
  if (acl === undefined) return 'default';
  if (!(OBJECT_ACLS as readonly string[]).includes(acl)) {
    throw new OssError('InvalidArgument', {
      message: 'no such object access control exists',
      extra: { ArgumentName: 'x-oss-object-acl', ArgumentValue: acl },
    });
  }
  return acl as ObjectAcl;
}

export function storageClassFrom(headers: HeaderBag): string {
  const sc = headers['x-oss-storage-class'];
  if (sc === undefined) return 'Standard';
  if (!STORAGE_CLASSES.includes(sc)) {
    throw new OssError('InvalidArgument', {
      message: 'Invalid storage class.',
      extra: { ArgumentName: 'x-oss-storage-class', ArgumentValue: sc },
    });
  }
  return sc;
}

function malformedTagging(value: string): OssError {
  return new OssError('InvalidArgument', {
    message: 'The header x-oss-tagging must be URL-encoded key or key=value pairs joined by &, without duplicate keys.',
    ec: '0010-00000219',
    extra: { ArgumentName: 'x-oss-tagging', ArgumentValue: value },
  });
}

/** One URL-encoded tag key or value (`+` is a space); undefined when the percent-encoding is broken. */
function decodeTagPart(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Tags from `x-oss-tagging: k1=v1&k2=v2` (URL-encoded), at most 10. Each pair is `key` or `key=value`;
 * more than one `=`, an empty key, broken percent-encoding or a repeated key is InvalidArgument.
 */
export function tagsFromHeader(value: string | undefined): Record<string, string> {
  if (!value) return {};
  const tags: Record<string, string> = {};
  for (const pair of value.split('&')) {
    const parts = pair.split('=');
    if (parts.length > 2) throw malformedTagging(value);
    const k = decodeTagPart(parts[0]);
    const v = decodeTagPart(parts[1] ?? '');
    if (!k || v === undefined || Object.hasOwn(tags, k)) throw malformedTagging(value);
    tags[k] = v;
  }
  validateTags(tags);
  return tags;
}

export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > 10) throw new OssError('InvalidTag', { message: 'Object tags cannot be greater than 10' });
  for (const [k, v] of entries) {
    if (!k || k.length > 128 || v.length > 256) throw new OssError('InvalidTag', { message: `Invalid tag: ${k}` });
  }
}

/** Content-MD5 must be base64 of 16 bytes. */
export function parseContentMd5(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const buf = Buffer.from(value, 'base64');
  if (buf.length !== 16 || buf.toString('base64') !== value.trim()) {
    throw new OssError('InvalidDigest', { ec: '0016-00000403' });
  }
  return buf;
}

export function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.toLowerCase() === 'true';
}

/** The headers GET/HEAD send for a stored object. */
export function objectResponseHeaders(o: ObjectRecord): Record<string, string | number | undefined> {
  const h: Record<string, string | number | undefined> = {
    etag: quoteEtag(o.etag),
    'last-modified': new Date(o.lastModified).toUTCString(),
    'content-type': o.contentType,
    'x-oss-object-type': o.type,
    'x-oss-storage-class': o.storageClass,
    'x-oss-hash-crc64ecma': o.crc64,
    'accept-ranges': 'bytes',
    'content-md5': o.type === 'Normal' ? o.contentMd5 : undefined,
    'cache-control': o.cacheControl,
    'content-disposition': o.contentDisposition ? headerValue(o.contentDisposition) : undefined,
    'content-encoding': o.contentEncoding,
    'content-language': o.contentLanguage,
    expires: o.expires,
    ...serverSideEncryptionHeaders(o.serverSideEncryption),
  };
  if (o.type === 'Appendable') h['x-oss-next-append-position'] = o.size;
  const tagCount = Object.keys(o.tags).length;
  if (tagCount) h['x-oss-tagging-count'] = tagCount;
  for (const [k, v] of Object.entries(o.meta)) h[`x-oss-meta-${k}`] = headerValue(v);
  return h;
}
