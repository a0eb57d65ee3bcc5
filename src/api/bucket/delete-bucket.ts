import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';

export const deleteBucket: Handler = async (ctx, s) => {
  const r = await s.meta.deleteBucket(ctx.bucket!);
  if (r === 'not-empty')
    throw new OssError('BucketNotEmpty', { ec: '0015-00000301', extra: { BucketName: ctx.bucket! } });
  if (r === 'missing') throw new OssError('NoSuchBucket', { ec: '0015-00000101', extra: { BucketName: ctx.bucket! } });
  return { status: 204 };
};
