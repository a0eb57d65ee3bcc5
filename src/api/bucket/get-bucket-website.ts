import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readWebsite, websiteXml } from './website-config.js';

/** GetBucketWebsite: `GET /b/?website` → WebsiteConfiguration, or 404 NoSuchWebsiteConfiguration. */
export const getBucketWebsite: Handler = async (ctx, s) => {
  const b = ctx.bucketRecord!;
  const config = await readWebsite(s, b.name);
  if (!config) throw new OssError('NoSuchWebsiteConfiguration', { extra: { BucketName: b.name } });
  return xmlResponse(renderXml('WebsiteConfiguration', websiteXml(config)));
};
