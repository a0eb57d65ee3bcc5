import { REFERER_CONFIG } from '../../auth/access.js';
import { DEFAULT_REFERER_CONFIG, refererConfigOf, renderRefererConfiguration } from '../../auth/referer.js';
import { xmlResponse } from '../../http/context.js';
import type { Handler } from '../handler.js';

/**
 * GetBucketReferer: `GET /b/?referer` → RefererConfiguration{AllowEmptyReferer, AllowTruncateQueryString,
 * TruncatePath, RefererList{Referer*}, RefererBlacklist{Referer*}}; OSS's defaults when never configured.
 */
export const getBucketReferer: Handler = async (ctx, s) => {
  const stored = await s.meta.getBucketConfig(ctx.bucketRecord!.name, REFERER_CONFIG);
  return xmlResponse(renderRefererConfiguration(refererConfigOf(stored) ?? DEFAULT_REFERER_CONFIG));
};
