import { deleteCurrentObject } from '../../storage/delete-object.js';
import type { Handler } from '../handler.js';
import { notifyObjectsRemoved } from './notify.js';
import { requestedVersion } from './object-version.js';

/**
 * 204 whether or not the key existed. On a versioned bucket a delete without `versionId` leaves a delete
 * marker (`x-oss-delete-marker: true` and its version id); with `versionId` it removes that version for good.
 * Lifecycle expiration deletes current objects through the same deleteCurrentObject.
 */
export const deleteObject: Handler = async (ctx, s) => {
  const versionId = requestedVersion(ctx);
  if (versionId !== undefined) {
    const r = await s.meta.deleteObjectVersion(ctx.bucket!, ctx.key, versionId);
    await s.blobs.delete(r.released);
    await notifyObjectsRemoved(ctx, s, 'ObjectRemoved:DeleteObject', ctx.bucket!, [ctx.key]);
    return {
      status: 204,
      headers: { 'x-oss-version-id': versionId, ...(r.deleteMarker ? { 'x-oss-delete-marker': 'true' } : {}) },
    };
  }
  const r = await deleteCurrentObject(s.meta, s.blobs, ctx.bucket!, ctx.key);
  if (r.existed) await notifyObjectsRemoved(ctx, s, 'ObjectRemoved:DeleteObject', ctx.bucket!, [ctx.key]);
  if (!r.deleteMarker) return { status: 204 };
  return { status: 204, headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': r.versionId ?? 'null' } };
};
