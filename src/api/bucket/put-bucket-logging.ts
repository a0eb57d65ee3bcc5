import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { LOGGING_CONFIG, parseBucketLoggingStatus } from './logging-config.js';

const MAX_LOGGING_XML = 16 * 1024;

/**
 * PutBucketLogging: `PUT /b/?logging` sets where the bucket's access logs go. The target bucket must exist,
 * belong to the same owner and be in the same region (InvalidTargetBucketForLogging otherwise).
 */
export const putBucketLogging: Handler = async (ctx, s) => {
  const source = ctx.bucketRecord!;
  const target = parseBucketLoggingStatus((await readSmallBody(ctx, MAX_LOGGING_XML)).toString('utf8'));
  if (target) {
    const t = await s.meta.getBucket(target.targetBucket);
    const refuse = (message: string) =>
      new OssError('InvalidTargetBucketForLogging', { message, extra: { TargetBucket: target.targetBucket } });
    if (!t) throw refuse('The target bucket for logging does not exist.');
    if (t.owner !== source.owner)
      throw refuse('The owner of the target bucket must be the owner of the source bucket.');
    if (t.region !== source.region) throw refuse('The target bucket must be in the region of the source bucket.');
  }
  await s.meta.putBucketConfig(source.name, LOGGING_CONFIG, target && JSON.stringify(target));
  s.accessLog?.forget(source.name);
  return { status: 200 };
};
