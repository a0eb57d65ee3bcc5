import { OPERATIONS, type OperationName } from '../../http/operations.js';
import { PolicyError } from './errors.js';
import { globMatch } from './glob.js';

/** The RAM action OSS authorises each operation with (OSS "authorization syntax and elements"). */
export const RAM_ACTIONS: Record<OperationName, string> = {
  ListBuckets: 'ListBuckets',
  PutBucket: 'PutBucket',
  DeleteBucket: 'DeleteBucket',
  GetBucketInfo: 'GetBucketInfo',
  GetBucketStat: 'GetBucketStat',
  GetBucketLocation: 'GetBucketLocation',
  PutBucketAcl: 'PutBucketAcl',
  GetBucketAcl: 'GetBucketAcl',
  PutBucketCors: 'PutBucketCors',
  GetBucketCors: 'GetBucketCors',
  DeleteBucketCors: 'DeleteBucketCors',
  PutBucketTags: 'PutBucketTagging',
  GetBucketTags: 'GetBucketTagging',
  DeleteBucketTags: 'DeleteBucketTagging',
  PutBucketWebsite: 'PutBucketWebsite',
  GetBucketWebsite: 'GetBucketWebsite',
  DeleteBucketWebsite: 'DeleteBucketWebsite',
  PutBucketLogging: 'PutBucketLogging',
  GetBucketLogging: 'GetBucketLogging',
  DeleteBucketLogging: 'DeleteBucketLogging',
  PutBucketRequestPayment: 'PutBucketRequestPayment',
  GetBucketRequestPayment: 'GetBucketRequestPayment',
  PutBucketEncryption: 'PutBucketEncryption',
  GetBucketEncryption: 'GetBucketEncryption',
  DeleteBucketEncryption: 'DeleteBucketEncryption',
  PutBucketLifecycle: 'PutBucketLifecycle',
  GetBucketLifecycle: 'GetBucketLifecycle',
  DeleteBucketLifecycle: 'DeleteBucketLifecycle',
  PutBucketVersioning: 'PutBucketVersioning',
  GetBucketVersioning: 'GetBucketVersioning',
  ListObjectVersions: 'ListObjectVersions',
  PutStyle: 'PutStyle',
  GetStyle: 'GetStyle',
  ListStyle: 'ListStyle',
  DeleteStyle: 'DeleteStyle',
  ListObjects: 'ListObjects',
  ListObjectsV2: 'ListObjects',
  DeleteMultipleObjects: 'DeleteObject',
  ListMultipartUploads: 'ListMultipartUploads',
  PostObject: 'PutObject',
  PutObject: 'PutObject',
  CopyObject: 'PutObject',
  AppendObject: 'PutObject',
  GetObject: 'GetObject',
  ProcessObjectSave: 'PostProcessTask',
  HeadObject: 'GetObject',
  GetObjectMeta: 'GetObject',
  DeleteObject: 'DeleteObject',
  PutObjectAcl: 'PutObjectAcl',
  GetObjectAcl: 'GetObjectAcl',
  PutObjectTagging: 'PutObjectTagging',
  GetObjectTagging: 'GetObjectTagging',
  DeleteObjectTagging: 'DeleteObjectTagging',
  PutSymlink: 'PutObject',
  GetSymlink: 'GetObject',
  InitiateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  UploadPartCopy: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  AbortMultipartUpload: 'AbortMultipartUpload',
  ListParts: 'ListParts',
  RestoreObject: 'RestoreObject',
  Options: 'Options',
  PutBucketPolicy: 'PutBucketPolicy',
  GetBucketPolicy: 'GetBucketPolicy',
  DeleteBucketPolicy: 'DeleteBucketPolicy',
  GetBucketPolicyStatus: 'GetBucketPolicyStatus',
  PutBucketReferer: 'PutBucketReferer',
  GetBucketReferer: 'GetBucketReferer',
};

/**
 * The additional RAM action OSS requires when an object request names a version (`?versionId=`): the
 * request needs both its own action and this one (OSS's permission tables, e.g. GetObject needs
 * oss:GetObject, and oss:GetObjectVersion when a versionId is given).
 */
export const VERSION_ACTIONS: Partial<Record<OperationName, string>> = {
  GetObject: 'GetObjectVersion',
  HeadObject: 'GetObjectVersion',
  GetObjectMeta: 'GetObjectVersion',
  GetSymlink: 'GetObjectVersion',
  DeleteObject: 'DeleteObjectVersion',
  GetObjectAcl: 'GetObjectVersionAcl',
  PutObjectAcl: 'PutObjectVersionAcl',
  GetObjectTagging: 'GetObjectVersionTagging',
  PutObjectTagging: 'PutObjectVersionTagging',
  DeleteObjectTagging: 'DeleteObjectVersionTagging',
  RestoreObject: 'RestoreObjectVersion',
};

const KNOWN_NAMES = [
  ...new Set([...Object.keys(OPERATIONS), ...Object.values(RAM_ACTIONS), ...Object.values(VERSION_ACTIONS)]),
] as string[];

/**
 * `oss:GetObject` → `GetObject`. With `strict`, the name (a glob) must match an action ossd knows; without,
 * any action name is kept (a bucket policy may name operations ossd does not serve: they never match).
 */
export function normalizeAction(a: string, strict = true): string {
  const colon = a.indexOf(':');
  if (colon >= 0) {
    if (a.slice(0, colon).toLowerCase() !== 'oss') throw new PolicyError(`action ${a} is not an oss: action`);
    a = a.slice(colon + 1);
  }
  if (strict ? !KNOWN_NAMES.some((n) => globMatch(a, n, true)) : !/^[A-Za-z*?]+$/.test(a)) {
    throw new PolicyError(`unknown action ${a}`);
  }
  return a;
}
