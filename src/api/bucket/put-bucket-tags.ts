import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { validateBucketTags, writeBucketTags } from './bucket-tags.js';

const MAX_TAGS_XML = 64 * 1024;

/** `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>…</TagSet></Tagging>` → [key, value] pairs. */
export function parseBucketTagging(xml: string): [string, string][] {
  const roots = children(parseXml(xml), 'Tagging');
  const sets = children(roots[0], 'TagSet');
  if (roots.length !== 1 || sets.length !== 1) throw new OssError('MalformedXML');
  return children(sets[0], 'Tag').map((t) => {
    const key = childText(t, 'Key');
    if (key === undefined) throw new OssError('MalformedXML', { message: 'Every Tag needs a Key.' });
    return [key, childText(t, 'Value') ?? ''];
  });
}

/** PutBucketTags: `PUT /b/?tagging` replaces the bucket's tags (owner only; OSS answers 200). */
export const putBucketTags: Handler = async (ctx, s) => {
  const tags = parseBucketTagging((await readSmallBody(ctx, MAX_TAGS_XML)).toString('utf8'));
  validateBucketTags(tags);
  await writeBucketTags(s, ctx.bucketRecord!.name, tags);
  return { status: 200 };
};
