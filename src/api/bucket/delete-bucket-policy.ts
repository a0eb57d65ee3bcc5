import { POLICY_CONFIG } from '../../auth/access.js';
import type { Handler } from '../handler.js';

/** DeleteBucketPolicy: `DELETE /b/?policy` → 204, also when there was no policy. */
export const deleteBucketPolicy: Handler = async (ctx, s) => {
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, POLICY_CONFIG, undefined);
  return { status: 204 };
};
