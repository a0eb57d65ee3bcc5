import type { Handler } from '../handler.js';
import { WEBSITE_CONFIG } from './website-config.js';

/** DeleteBucketWebsite: `DELETE /b/?website` → 204, also when none was set. */
export const deleteBucketWebsite: Handler = async (ctx, s) => {
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, WEBSITE_CONFIG, undefined);
  return { status: 204 };
};
