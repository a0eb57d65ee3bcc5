import { BUCKET_ACLS } from '../../auth/acl.js';
import { OssError } from '../../errors/oss-error.js';
import { childText, parseXml } from '../../http/xml.js';
import type { BucketAcl } from '../../storage/types.js';
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
  if ((await s.meta.listBuckets(owner)).length >= MAX_BUCKETS_PER_ACCOUNT) throw new OssError('TooManyBuckets');
  const created = await s.meta.createBucket({
    name,
    owner,
    acl,
    createdAt: Date.now(),
    region: s.config.region,
    storageClass,
    dataRedundancyType: redundancy,
  });
  if (created === 'exists') {
    const raced = await s.meta.getBucket(name);
    if (raced && raced.owner !== owner) {
      throw new OssError('BucketAlreadyExists', { ec: '0015-00000104', extra: { BucketName: name } });
    }
  }
  return { status: 200, headers: { location: `/${name}` } };
};
