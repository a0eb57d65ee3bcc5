import { POLICY_CONFIG } from '../../auth/access.js';
import { policyIsPublic, storedBucketPolicy } from '../../auth/bucket-policy.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { noSuchBucketPolicy } from './get-bucket-policy.js';

/**
 * GetBucketPolicyStatus: `GET /b/?policyStatus` → `<PolicyStatus><IsPublic>true|false</IsPublic></PolicyStatus>`:
 * whether the bucket policy grants access to everyone (see policyIsPublic). 404 NoSuchBucketPolicy without one.
 */
export const getBucketPolicyStatus: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!;
  const text = await s.meta.getBucketConfig(bucket.name, POLICY_CONFIG);
  if (text === undefined) throw noSuchBucketPolicy(bucket.name);
  const policy = storedBucketPolicy(text, bucket.owner);
  return xmlResponse(renderXml('PolicyStatus', { IsPublic: policy !== null && policyIsPublic(policy) }));
};
