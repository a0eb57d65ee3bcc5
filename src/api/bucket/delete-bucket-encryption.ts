import type { Handler } from '../handler.js';
import { ENCRYPTION_CONFIG } from './bucket-encryption.js';

/** DeleteBucketEncryption: `DELETE /b/?encryption` → 204 (also when none was set); existing objects stay as stored. */
export const deleteBucketEncryption: Handler = async (ctx, s) => {
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, ENCRYPTION_CONFIG, undefined);
  return { status: 204 };
};
