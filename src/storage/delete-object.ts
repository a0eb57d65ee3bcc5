import type { BlobStore, MetadataStore, ObjectRecord } from './types.js';

/**
 * Deletes the current object of `key` — the one path DeleteObject and lifecycle expiration share, so that
 * both release blobs alike (and, on a versioned bucket, both leave a delete marker). With `guard`, only
 * an object for which it returns true inside the commit is deleted (lifecycle: the one it judged expired,
 * not a newer overwrite). The released file blobs are deleted after the commit.
 */
export async function deleteCurrentObject(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  key: string,
  guard?: (existing: ObjectRecord) => boolean,
): Promise<{ existed: boolean; deleteMarker?: boolean; versionId?: string }> {
  const { released, ...result } = await meta.deleteObject(bucket, key, guard);
  await blobs.delete(released);
  return result;
}
