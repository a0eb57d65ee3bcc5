import { saveLifecycle } from '../../storage/lifecycle-rules.js';
import type { Handler } from '../handler.js';

/** DeleteBucketLifecycle: `DELETE /b/?lifecycle` → 204, also when no rules were set. */
export const deleteBucketLifecycle: Handler = async (ctx, s) => {
  await saveLifecycle(s.meta, ctx.bucketRecord!.name, undefined);
  return { status: 204 };
};
