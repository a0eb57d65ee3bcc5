import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readLogging } from './logging-config.js';

/** GetBucketLogging: `GET /b/?logging` → BucketLoggingStatus, empty when logging is off (200, as OSS). */
export const getBucketLogging: Handler = async (ctx, s) => {
  const target = await readLogging(s.meta, ctx.bucketRecord!.name);
  return xmlResponse(
    renderXml('BucketLoggingStatus', {
      LoggingEnabled: target && { TargetBucket: target.targetBucket, TargetPrefix: target.targetPrefix },
    }),
  );
};
