import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { BucketRecord, ObjectRecord, ObjectVersion } from '../../storage/types.js';

/** The `?versionId=` of a request; undefined when absent. */
export function requestedVersion(ctx: RequestContext): string | undefined {
  const v = ctx.params.get('versionId');
  if (v === undefined) return undefined;
  if (v === '') {
    throw new OssError('InvalidArgument', {
      message: 'The versionId argument must not be empty.',
      extra: { ArgumentName: 'versionId', ArgumentValue: v },
    });
  }
  return v;
}

/** `x-oss-version-id` of an object read from a versioned bucket (`null` for the null version). */
export function versionHeaders(
  bucket: BucketRecord | undefined,
  versionId: string | undefined,
): Record<string, string> {
  return bucket?.versioning ? { 'x-oss-version-id': versionId ?? 'null' } : {};
}

/** `x-oss-version-id` of a write (set only when the store wrote on a versioned bucket). */
export function writtenVersionHeaders(versionId: string | undefined): Record<string, string> {
  return versionId === undefined ? {} : { 'x-oss-version-id': versionId };
}

function markerHeaders(v: ObjectVersion): Record<string, string> {
  return { 'x-oss-delete-marker': 'true', 'x-oss-version-id': v.versionId ?? 'null' };
}

export function noSuchKey(key: string, headers?: Record<string, string>): OssError {
  return new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: key }, headers });
}

export function noSuchVersion(versionId: string): OssError {
  return new OssError('NoSuchVersion', { extra: { VersionId: versionId } });
}

/**
 * The current object is missing: on a versioned bucket whose latest version of the key is a delete
 * marker, OSS's 404 says so (`x-oss-delete-marker: true` and the marker's version id).
 */
export async function missingObject(ctx: RequestContext, s: Services, bucket: string, key: string): Promise<OssError> {
  const record = bucket === ctx.bucket ? ctx.bucketRecord : await s.meta.getBucket(bucket);
  if (record?.versioning) {
    const latest = await s.meta.getObjectVersion(bucket, key);
    if (latest?.deleteMarker) return noSuchKey(key, markerHeaders(latest));
  }
  return noSuchKey(key);
}

/**
 * A version by id: NoSuchVersion when there is none; a delete marker is 405 MethodNotAllowed (nothing
 * to read or change), as OSS answers.
 */
export async function loadVersion(s: Services, bucket: string, key: string, versionId: string): Promise<ObjectRecord> {
  const v = await s.meta.getObjectVersion(bucket, key, versionId);
  if (!v) throw noSuchVersion(versionId);
  if (v.deleteMarker) {
    throw new OssError('MethodNotAllowed', {
      extra: { Method: 'GET', ResourceType: 'DeleteMarker' },
      headers: markerHeaders(v),
    });
  }
  return v;
}

/** The object a request names: the current one, or with `?versionId=` that version. */
export async function loadRequestedObject(ctx: RequestContext, s: Services): Promise<ObjectRecord> {
  const versionId = requestedVersion(ctx);
  if (versionId !== undefined) return loadVersion(s, ctx.bucket!, ctx.key, versionId);
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw await missingObject(ctx, s, ctx.bucket!, ctx.key);
  return o;
}

/** The current object's version id, for the response header of a versioned bucket (no read otherwise). */
export async function currentVersion(ctx: RequestContext, s: Services): Promise<string | undefined> {
  if (!ctx.bucketRecord?.versioning) return undefined;
  return (await s.meta.getObject(ctx.bucket!, ctx.key))?.versionId;
}
