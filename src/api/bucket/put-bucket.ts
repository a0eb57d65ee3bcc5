import { BUCKET_ACLS } from '../../auth/acl.js';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import { childText, parseXml } from '../../http/xml.js';
import type { Services } from '../../services.js';
import type { BucketAcl, BucketRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

const MAX_BUCKETS_PER_ACCOUNT = 100;

export function bucketAclFrom(value: string | undefined, fallback: BucketAcl): BucketAcl {
  if (value === undefined) return fallback;
  if (!(BUCKET_ACLS as readonly string[]).includes(value)) {
    throw new OssError('InvalidArgument', {
      message: 'no such bucket access control exists',
      extra: { ArgumentName: 'x-oss-acl', ArgumentValue: value },
    });
  }
  return value as BucketAcl;
}

export const putBucket: Handler = async (ctx, s) => {
  const name = ctx.bucket!;
  const owner = ctx.principal!.accountId;
  const acl = bucketAclFrom(ctx.headers['x-oss-acl'], 'private');
  const body = await readSmallBody(ctx, 64 * 1024);
  let storageClass = 'Standard';
  let redundancy = 'LRS';
  if (body.length) {
    const root = parseXml(body.toString('utf8')).CreateBucketConfiguration;
    storageClass = childText(root, 'StorageClass') || storageClass;
    redundancy = childText(root, 'DataRedundancyType') || redundancy;
  }
  const existing = ctx.bucketRecord ?? (await s.meta.getBucket(name));
  if (existing) {
    if (existing.owner !== owner)
      throw new OssError('BucketAlreadyExists', { ec: '0015-00000104', extra: { BucketName: name } });
    if (ctx.headers['x-oss-acl'] !== undefined) await s.meta.updateBucket(name, { acl });
    return { status: 200, headers: { location: `/${name}` } };
  }
  await createBucket(ctx, s, { acl, storageClass, dataRedundancyType: redundancy });
  return { status: 200, headers: { location: `/${name}` } };
};

/**
 * Creates `ctx.bucket` for the caller (PutBucket, and PutBucketAcl on a missing bucket). Returns false
 * when a concurrent request of the same owner created it first; another owner's bucket is BucketAlreadyExists.
 */
export async function createBucket(
  ctx: RequestContext,
  s: Services,
  attrs: Pick<BucketRecord, 'acl' | 'storageClass' | 'dataRedundancyType'>,
): Promise<boolean> {
  const name = ctx.bucket!;
  const owner = ctx.principal!.accountId;
  if ((await s.meta.listBuckets(owner)).length >= MAX_BUCKETS_PER_ACCOUNT) throw new OssError('TooManyBuckets');
  const created = await s.meta.createBucket({
    name,
    owner,
    ...attrs,
    createdAt: Date.now(),
    region: s.config.region,
  });
  if (created !== 'exists') return true;
  const raced = await s.meta.getBucket(name);
  if (raced && raced.owner !== owner) {
    throw new OssError('BucketAlreadyExists', { ec: '0015-00000104', extra: { BucketName: name } });
  }
  return false;
}
