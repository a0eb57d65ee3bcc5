import type { Handler } from '../handler.js';
import { readBucketTags, writeBucketTags } from './bucket-tags.js';

/**
 * DeleteBucketTags: `DELETE /b/?tagging` removes every tag; `?tagging=k1,k2` removes only those keys
 * (as OSS). 204 either way, also when there was nothing to remove.
 */
export const deleteBucketTags: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!.name;
  const only = ctx.params.get('tagging') ?? '';
  if (only === '') await writeBucketTags(s, bucket, []);
  else {
    const drop = new Set(only.split(','));
    const tags = await readBucketTags(s, bucket);
    const kept = tags.filter(([k]) => !drop.has(k));
    if (kept.length !== tags.length) await writeBucketTags(s, bucket, kept);
  }
  return { status: 204 };
};
