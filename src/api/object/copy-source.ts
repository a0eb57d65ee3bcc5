import { authorizeObjectRead } from '../../auth/object-read.js';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import { validateBucketName, validateObjectKey } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { BucketRecord, ObjectRecord } from '../../storage/types.js';
import { missingObject, noSuchVersion } from './object-version.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

function badSource(
  value: string,
  message = 'Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.',
) {
  return new OssError('InvalidArgument', {
    message,
    extra: { ArgumentName: 'x-oss-copy-source', ArgumentValue: value },
  });
}

/**
 * `x-oss-copy-source: /<bucket>/<url-encoded key>[?versionId=<id>]`. ali-oss encodes the key with
 * encodeURIComponent (`/` → `%2F`); the Go SDK uses QueryEscape (space → `+`), so `+` decodes to a space.
 */
export function parseCopySource(value: string | undefined): CopySource {
  if (value === undefined || value === '') throw badSource('');
  let raw = value.trim();
  let versionId: string | undefined;
  const q = raw.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(raw.slice(q + 1));
    versionId = params.get('versionId') ?? undefined;
    raw = raw.slice(0, q);
  }
  if (raw.startsWith('/')) raw = raw.slice(1);
  const slash = raw.indexOf('/');
  if (slash <= 0 || slash === raw.length - 1) throw badSource(value);
  let key: string;
  try {
    key = decodeURIComponent(raw.slice(slash + 1).replace(/\+/g, ' '));
  } catch {
    throw badSource(value, 'The copy source key is not correctly URL-encoded.');
  }
  const bucket = raw.slice(0, slash);
  validateBucketName(bucket, false);
  validateObjectKey(key);
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

/** The source bucket, checked to exist (NoSuchBucket). */
export async function loadSourceBucket(ctx: RequestContext, s: Services, name: string): Promise<BucketRecord> {
  const bucket = name === ctx.bucket && ctx.bucketRecord ? ctx.bucketRecord : await s.meta.getBucket(name);
  if (!bucket) throw new OssError('NoSuchBucket', { ec: '0015-00000101', extra: { BucketName: name } });
  return bucket;
}

/**
 * Loads the source object and checks that the caller may read it as a GetObject of it would be checked
 * (the pipeline authorised the destination). Access is checked before existence so a private bucket does not reveal its keys.
 */
export async function loadSourceObject(
  ctx: RequestContext,
  s: Services,
  bucket: BucketRecord,
  source: CopySource,
): Promise<ObjectRecord> {
  if (source.versionId !== undefined) {
    const v = await s.meta.getObjectVersion(bucket.name, source.key, source.versionId);
    await authorizeObjectRead(ctx.requester, bucket, source.key, v);
    if (!v) throw noSuchVersion(source.versionId);
    if (v.deleteMarker) {
      throw new OssError('InvalidRequest', {
        message: 'The source of a copy request may not specifically refer to a delete marker by version id.',
        headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': source.versionId },
      });
    }
    return v;
  }
  const object = await s.meta.getObject(bucket.name, source.key);
  await authorizeObjectRead(ctx.requester, bucket, source.key, object);
  if (!object) throw await missingObject(ctx, s, bucket.name, source.key);
  return object;
}

/** `x-oss-copy-source-version-id` of a copy from a versioned bucket. */
export function copySourceVersionHeaders(bucket: BucketRecord, source: ObjectRecord): Record<string, string> {
  return bucket.versioning ? { 'x-oss-copy-source-version-id': source.versionId ?? 'null' } : {};
}
