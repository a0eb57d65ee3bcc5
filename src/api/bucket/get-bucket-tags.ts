import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readBucketTags, tagSetXml } from './bucket-tags.js';

/** GetBucketTags: `GET /b/?tagging` → Tagging{TagSet{Tag*}}; an empty TagSet when the bucket has none (as OSS). */
export const getBucketTags: Handler = async (ctx, s) => {
  const tags = await readBucketTags(s, ctx.bucketRecord!.name);
  return xmlResponse(renderXml('Tagging', tagSetXml(tags)));
};
