import { POLICY_CONFIG } from '../../auth/access.js';
import { compileBucketPolicy, MAX_BUCKET_POLICY_BYTES } from '../../auth/bucket-policy.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

/**
 * PutBucketPolicy: `PUT /b/?policy` with the policy JSON as body (owner only). The document is compiled to
 * check it (InvalidPolicyDocument otherwise) and stored as sent, so GetBucketPolicy returns it unchanged.
 */
export const putBucketPolicy: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!;
  const body = await readSmallBody(ctx, MAX_BUCKET_POLICY_BYTES);
  compileBucketPolicy(body, bucket.owner);
  await s.meta.putBucketConfig(bucket.name, POLICY_CONFIG, body.toString('utf8'));
  return { status: 200 };
};
