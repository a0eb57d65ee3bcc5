import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { objectAclFrom } from './object-headers.js';

/** PUT /b/k?acl with `x-oss-object-acl` (private, public-read, public-read-write or default). */
export const putObjectAcl: Handler = async (ctx, s) => {
  if (ctx.headers['x-oss-object-acl'] === undefined) {
    throw new OssError('InvalidArgument', {
      message: 'The x-oss-object-acl header is required.',
      extra: { ArgumentName: 'x-oss-object-acl', ArgumentValue: '' },
    });
  }
  const acl = objectAclFrom(ctx.headers);
  const updated = await s.meta.updateObject(ctx.bucket!, ctx.key, { acl });
  if (!updated) {
    // updateObject reports "no rows changed"; distinguish a missing key from an unchanged ACL.
    const o = await s.meta.getObject(ctx.bucket!, ctx.key);
    if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  }
  return { status: 200 };
};
