import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

/** GET /b/?location — `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`. */
export const getBucketLocation: Handler = async (ctx) => {
  return xmlResponse(renderXml('LocationConstraint', { '#text': ctx.bucketRecord!.region }));
};
