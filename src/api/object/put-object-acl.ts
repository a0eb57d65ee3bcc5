import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { objectAclFrom } from './object-headers.js';
import { loadRequestedObject, noSuchVersion, requestedVersion, versionHeaders } from './object-version.js';

/** PUT /b/k?acl with `x-oss-object-acl` (private, public-read, public-read-write or default). */
export const putObjectAcl: Handler = async (ctx, s) => {
  if (ctx.headers['x-oss-object-acl'] === undefined) {
    throw new OssError('InvalidArgument', {
      message: 'The x-oss-object-acl header is required.',
      extra: { ArgumentName: 'x-oss-object-acl', ArgumentValue: '' },
    });
  }
  const acl = objectAclFrom(ctx.headers);
  const versionId = requestedVersion(ctx);
  if (versionId !== undefined) {
    const o = await loadRequestedObject(ctx, s);
    if (!(await s.meta.updateObject(ctx.bucket!, ctx.key, { acl }, versionId))) throw noSuchVersion(versionId);
    return { status: 200, headers: versionHeaders(ctx.bucketRecord, o.versionId) };
  }
  const updated = await s.meta.updateObject(ctx.bucket!, ctx.key, { acl });
  if (!updated) {
    // updateObject reports "no rows changed"; distinguish a missing key from an unchanged ACL.
    const o = await s.meta.getObject(ctx.bucket!, ctx.key);
    if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  }
  return { status: 200 };
};
