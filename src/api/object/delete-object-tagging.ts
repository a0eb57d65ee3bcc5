import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { currentVersion, loadRequestedObject, requestedVersion, versionHeaders } from './object-version.js';

/** DeleteObjectTagging: removes every tag; 204. */
export const deleteObjectTagging: Handler = async (ctx, s) => {
  const versionId = requestedVersion(ctx);
  if (!(await s.meta.updateObject(ctx.bucket!, ctx.key, { tags: {} }, versionId))) {
    await loadRequestedObject(ctx, s);
    throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  }
  return { status: 204, headers: versionHeaders(ctx.bucketRecord, versionId ?? (await currentVersion(ctx, s))) };
};
