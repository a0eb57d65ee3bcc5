import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import type { MetadataStore } from '../../storage/types.js';

/** The bucket config document holding a bucket's access-logging target (JSON of LoggingTarget). */
export const LOGGING_CONFIG = 'logging';
const MAX_PREFIX = 256;

export interface LoggingTarget {
  targetBucket: string;
  targetPrefix: string;
}

/**
 * `<BucketLoggingStatus><LoggingEnabled><TargetBucket/><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>`;
 * an empty BucketLoggingStatus (no LoggingEnabled) turns logging off (undefined).
 */
export function parseBucketLoggingStatus(xml: string): LoggingTarget | undefined {
  const roots = children(parseXml(xml), 'BucketLoggingStatus');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const enabled = children(roots[0], 'LoggingEnabled')[0];
  if (enabled === undefined) return undefined;
  const targetBucket = childText(enabled, 'TargetBucket')?.trim() ?? '';
  if (targetBucket === '') throw new OssError('MalformedXML', { message: 'LoggingEnabled needs a TargetBucket.' });
  const targetPrefix = childText(enabled, 'TargetPrefix') ?? '';
  const bad = (message: string, ec: string) =>
    new OssError('InvalidArgument', {
      message,
      ec,
      extra: { ArgumentName: 'TargetPrefix', ArgumentValue: targetPrefix },
    });
  if ([...targetPrefix].length > MAX_PREFIX)
    throw bad(`TargetPrefix is longer than ${MAX_PREFIX} characters.`, '0032-00000006');
  if (targetPrefix.startsWith('/') || targetPrefix.startsWith('\\'))
    throw bad('TargetPrefix may not start with / or \\.', '0032-00000005');
  return { targetBucket, targetPrefix };
}

export async function readLogging(
  meta: Pick<MetadataStore, 'getBucketConfig'>,
  bucket: string,
): Promise<LoggingTarget | undefined> {
  const raw = await meta.getBucketConfig(bucket, LOGGING_CONFIG);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LoggingTarget;
  } catch {
    return undefined;
  }
}
