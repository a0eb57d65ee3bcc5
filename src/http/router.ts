import { OssError } from '../errors/oss-error.js';
import type { OperationName } from './operations.js';

/** One reading of a request's (bucket, key). An IP endpoint with sldEnable can yield two. */
export interface Target {
  bucket?: string;
  /** Decoded key; '' for a bucket-level request. */
  key: string;
  style: 'path' | 'vhost';
}

/** The query parameters, as a Map or URLSearchParams. */
export interface QueryLookup {
  has(name: string): boolean;
  get(name: string): string | null | undefined;
}

const OSS_HOST = /^([a-z0-9_-]*)\.oss-[a-z0-9-]+\.aliyuncs\.com$/;

/** Sub-resources that select an OSS operation ossd does not implement. */
const UNSUPPORTED_BUCKET = [
  'lifecycle',
  'referer',
  'policy',
  'inventory',
  'worm',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'qos',
  'transferAcceleration',
  'stat',
  'metaQuery',
  'resourceGroup',
  'cname',
  'live',
  'policyStatus',
  'accessPoint',
];
const UNSUPPORTED_OBJECT = ['restore', 'x-oss-async-process', 'selectObject', 'versions'];

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i >= 0 ? host.slice(0, i) : host;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new OssError('InvalidObjectName', { message: 'The specified object is not valid (bad percent-encoding).' });
  }
}

/**
 * Readings of (bucket, key) from Host and path, most likely first:
 * `<bucket>.oss-<region>.aliyuncs.com` and `<bucket>.<vhost domain>` are virtual-hosted;
 * anything else is path style. Paths are percent-decoded and never normalised.
 */
export function resolveTargets(hostHeader: string | undefined, rawPath: string, vhostDomains: string[]): Target[] {
  const host = stripPort((hostHeader ?? '').toLowerCase());
  let label: string | undefined;
  const m = OSS_HOST.exec(host);
  if (m) label = m[1];
  else {
    for (const d of vhostDomains) {
      if (host.endsWith(`.${d}`)) {
        label = host.slice(0, -d.length - 1);
        break;
      }
    }
  }
  const pathOnly = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const pathStyle = (): Target => {
    const slash = pathOnly.indexOf('/');
    if (pathOnly === '') return { key: '', style: 'path' };
    if (slash < 0) return { bucket: decodePath(pathOnly), key: '', style: 'path' };
    return { bucket: decodePath(pathOnly.slice(0, slash)), key: decodePath(pathOnly.slice(slash + 1)), style: 'path' };
  };
  if (label === undefined) return [pathStyle()];
  const vhost: Target = { bucket: label === '' ? undefined : label, key: decodePath(pathOnly), style: 'vhost' };
  const out = [vhost];
  // ali-oss with an IP endpoint and sldEnable sends a vhost Host *and* a path-style path.
  if (label !== '' && (pathOnly === label || pathOnly.startsWith(`${label}/`))) out.push(pathStyle());
  return out;
}

export function resolveOperation(
  method: string,
  target: Target,
  query: QueryLookup,
  headers: Record<string, string | string[] | undefined>,
): OperationName {
  const has = (k: string) => query.has(k);
  const m = method.toUpperCase();
  if (m === 'OPTIONS') return 'Options';
  if (!target.bucket) {
    if (m === 'GET') return 'ListBuckets';
    throw methodNotAllowed(m, 'Service');
  }
  if (target.key === '') {
    switch (m) {
      case 'GET':
        if (has('acl')) return 'GetBucketAcl';
        if (has('location')) return 'GetBucketLocation';
        if (has('bucketInfo')) return 'GetBucketInfo';
        if (has('stat')) return 'GetBucketStat';
        if (has('cors')) return 'GetBucketCors';
        if (has('tagging')) return 'GetBucketTags';
        if (has('website')) return 'GetBucketWebsite';
        if (has('logging')) return 'GetBucketLogging';
        if (has('policy')) return 'GetBucketPolicy';
        if (has('policyStatus')) return 'GetBucketPolicyStatus';
        if (has('referer')) return 'GetBucketReferer';
        if (has('lifecycle')) return 'GetBucketLifecycle';
        if (has('encryption')) return 'GetBucketEncryption';
        if (has('requestPayment')) return 'GetBucketRequestPayment';
        if (has('style')) return has('styleName') ? 'GetStyle' : 'ListStyle';
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versioning')) return 'GetBucketVersioning';
        if (has('versions')) return 'ListObjectVersions';
        unsupported(query, UNSUPPORTED_BUCKET);
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT':
        if (has('acl')) return 'PutBucketAcl';
        if (has('cors')) return 'PutBucketCors';
        if (has('tagging')) return 'PutBucketTags';
        if (has('website')) return 'PutBucketWebsite';
        if (has('logging')) return 'PutBucketLogging';
        if (has('policy')) return 'PutBucketPolicy';
        if (has('referer')) return 'PutBucketReferer';
        if (has('lifecycle')) return 'PutBucketLifecycle';
        if (has('encryption')) return 'PutBucketEncryption';
        if (has('requestPayment')) return 'PutBucketRequestPayment';
        if (has('style')) return 'PutStyle';
        if (has('versioning')) return 'PutBucketVersioning';
        unsupported(query, UNSUPPORTED_BUCKET);
        return 'PutBucket';
      case 'DELETE':
        if (has('cors')) return 'DeleteBucketCors';
        if (has('tagging')) return 'DeleteBucketTags';
        if (has('website')) return 'DeleteBucketWebsite';
        if (has('logging')) return 'DeleteBucketLogging';
        if (has('policy')) return 'DeleteBucketPolicy';
        if (has('lifecycle')) return 'DeleteBucketLifecycle';
        if (has('encryption')) return 'DeleteBucketEncryption';
        if (has('style')) return 'DeleteStyle';
        unsupported(query, UNSUPPORTED_BUCKET);
        return 'DeleteBucket';
      case 'POST':
        if (has('delete')) return 'DeleteMultipleObjects';
        return 'PostObject';
      default:
        throw methodNotAllowed(m, 'Bucket');
    }
  }
  switch (m) {
    case 'GET':
      if (has('acl')) return 'GetObjectAcl';
      if (has('tagging')) return 'GetObjectTagging';
      if (has('symlink')) return 'GetSymlink';
      if (has('uploadId')) return 'ListParts';
      unsupported(query, UNSUPPORTED_OBJECT);
      return 'GetObject';
    case 'HEAD':
      if (has('objectMeta')) return 'GetObjectMeta';
      return 'HeadObject';
    case 'PUT':
      if (has('acl')) return 'PutObjectAcl';
      if (has('tagging')) return 'PutObjectTagging';
      if (has('symlink')) return 'PutSymlink';
      if (has('partNumber') || has('uploadId')) return headers['x-oss-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
      if (headers['x-oss-copy-source']) return 'CopyObject';
      return 'PutObject';
    case 'POST':
      if (has('uploads')) return 'InitiateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      if (has('append')) return 'AppendObject';
      if (has('x-oss-process')) return 'ProcessObjectSave';
      if (has('restore')) return 'RestoreObject';
      unsupported(query, UNSUPPORTED_OBJECT);
      throw methodNotAllowed(m, 'Object');
    case 'DELETE':
      if (has('tagging')) return 'DeleteObjectTagging';
      if (has('uploadId')) return 'AbortMultipartUpload';
      return 'DeleteObject';
    default:
      throw methodNotAllowed(m, 'Object');
  }
}

function unsupported(query: QueryLookup, names: string[]): void {
  for (const n of names)
    if (query.has(n))
      throw new OssError('NotImplemented', { message: `The ${n} operation is not implemented by ossd.` });
}

function methodNotAllowed(method: string, resourceType: string): OssError {
  return new OssError('MethodNotAllowed', { extra: { Method: method, ResourceType: resourceType } });
}
