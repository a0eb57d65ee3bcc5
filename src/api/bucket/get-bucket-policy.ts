import { POLICY_CONFIG } from '../../auth/access.js';
import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';

export function noSuchBucketPolicy(bucket: string): OssError {
  return new OssError('NoSuchBucketPolicy', { extra: { BucketName: bucket } });
}

/** GetBucketPolicy: `GET /b/?policy` → the stored policy JSON; 404 NoSuchBucketPolicy when there is none. */
export const getBucketPolicy: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!;
  const text = await s.meta.getBucketConfig(bucket.name, POLICY_CONFIG);
  if (text === undefined) throw noSuchBucketPolicy(bucket.name);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
};
