import type { Handler } from '../handler.js';

/** DeleteBucketCors: `DELETE /b/?cors` → 204, also when no rules were set. */
export const deleteBucketCors: Handler = async (ctx, s) => {
  const b = ctx.bucketRecord!;
  if (b.cors !== undefined) await s.meta.updateBucket(b.name, { cors: undefined });
  return { status: 204 };
};
