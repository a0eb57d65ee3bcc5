import type { Handler } from '../handler.js';
import { bucketAclFrom } from './put-bucket.js';

/** PUT /b/?acl with `x-oss-acl`; without the header the ACL is left unchanged (OSS behaviour). */
export const putBucketAcl: Handler = async (ctx, s) => {
  const b = ctx.bucketRecord!;
  const acl = bucketAclFrom(ctx.headers['x-oss-acl'], b.acl);
  if (acl !== b.acl) await s.meta.updateBucket(b.name, { acl });
  return { status: 200 };
};
