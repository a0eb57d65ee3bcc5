import type { Handler } from '../handler.js';
import { bucketAclFrom, createBucket } from './put-bucket.js';

/**
 * PUT /b/?acl with `x-oss-acl`; without the header the ACL is left unchanged (OSS behaviour). On a
 * missing bucket OSS creates it with that ACL (the pipeline authorised the caller as for PutBucket).
 * Either way the answer carries `Location: /<bucket>`, which ali-oss's putBucketACL returns as `bucket`.
 */
export const putBucketAcl: Handler = async (ctx, s) => {
  const b = ctx.bucketRecord;
  if (!b) {
    const acl = bucketAclFrom(ctx.headers['x-oss-acl'], 'private');
    const created = await createBucket(ctx, s, { acl, storageClass: 'Standard', dataRedundancyType: 'LRS' });
    // A concurrent create by the same owner won: apply this request's ACL to it.
    if (!created && ctx.headers['x-oss-acl'] !== undefined) await s.meta.updateBucket(ctx.bucket!, { acl });
    return { status: 200, headers: { location: `/${ctx.bucket}` } };
  }
  const acl = bucketAclFrom(ctx.headers['x-oss-acl'], b.acl);
  if (acl !== b.acl) await s.meta.updateBucket(b.name, { acl });
  return { status: 200, headers: { location: `/${b.name}` } };
};
