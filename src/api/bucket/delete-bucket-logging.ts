import type { Handler } from '../handler.js';
import { LOGGING_CONFIG } from './logging-config.js';

/** DeleteBucketLogging: `DELETE /b/?logging` turns access logging off → 204. */
export const deleteBucketLogging: Handler = async (ctx, s) => {
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, LOGGING_CONFIG, undefined);
  s.accessLog?.forget(ctx.bucketRecord!.name);
  return { status: 204 };
};
