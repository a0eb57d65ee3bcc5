import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';

/** The bucket config document holding a bucket's tags (JSON `[[key, value], …]`, in the order they were put). */
export const BUCKET_TAGS_CONFIG = 'tagging';
export const MAX_BUCKET_TAGS = 20;
const MAX_KEY = 64;
const MAX_VALUE = 128;

function invalidTag(message: string): OssError {
  return new OssError('InvalidTag', { message, ec: '0010-00000219' });
}

/** OSS's rules: ≤ 20 tags; key 1–64 characters, not starting with http://, https:// or Aliyun (any case); value ≤ 128. */
export function validateBucketTags(tags: [string, string][]): void {
  if (tags.length > MAX_BUCKET_TAGS) throw invalidTag(`Bucket tags cannot be greater than ${MAX_BUCKET_TAGS}.`);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k === '' || [...k].length > MAX_KEY) throw invalidTag(`The tag key must be 1 to ${MAX_KEY} characters: ${k}`);
    if (/^(https?:\/\/|aliyun)/i.test(k))
      throw invalidTag(`The tag key may not start with http://, https:// or Aliyun: ${k}`);
    if ([...v].length > MAX_VALUE) throw invalidTag(`The tag value must be at most ${MAX_VALUE} characters: ${k}`);
    if (seen.has(k)) throw invalidTag(`Duplicate tag key: ${k}`);
    seen.add(k);
  }
}

/** A bucket's tags in the order they were put ([] when none). */
export async function readBucketTags(s: Services, bucket: string): Promise<[string, string][]> {
  const raw = await s.meta.getBucketConfig(bucket, BUCKET_TAGS_CONFIG);
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter(
          (p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

export async function writeBucketTags(s: Services, bucket: string, tags: [string, string][]): Promise<void> {
  await s.meta.putBucketConfig(bucket, BUCKET_TAGS_CONFIG, tags.length ? JSON.stringify(tags) : undefined);
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` body content. */
export function tagSetXml(tags: [string, string][]): { TagSet: { Tag: { Key: string; Value: string }[] } } {
  return { TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } };
}
