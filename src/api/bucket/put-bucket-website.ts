import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { parseWebsiteConfiguration, WEBSITE_CONFIG } from './website-config.js';

const MAX_WEBSITE_XML = 64 * 1024;

/** PutBucketWebsite: `PUT /b/?website` replaces the bucket's static website configuration (owner only). */
export const putBucketWebsite: Handler = async (ctx, s) => {
  const config = parseWebsiteConfiguration((await readSmallBody(ctx, MAX_WEBSITE_XML)).toString('utf8'));
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, WEBSITE_CONFIG, JSON.stringify(config));
  return { status: 200 };
};
