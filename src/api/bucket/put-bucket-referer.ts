import { REFERER_CONFIG } from '../../auth/access.js';
import { parseRefererConfiguration } from '../../auth/referer.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

const MAX_REFERER_XML = 64 * 1024;

/**
 * PutBucketReferer: `PUT /b/?referer` with `<RefererConfiguration>` (owner only); replaces the whole
 * configuration (an empty RefererList clears the allow list, as ali-oss deleteBucketReferer does).
 */
export const putBucketReferer: Handler = async (ctx, s) => {
  const config = parseRefererConfiguration((await readSmallBody(ctx, MAX_REFERER_XML)).toString('utf8'));
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, REFERER_CONFIG, JSON.stringify(config));
  return { status: 200 };
};
