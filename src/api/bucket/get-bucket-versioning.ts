import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

/** GetBucketVersioning: `<VersioningConfiguration>` with a Status once versioning was ever set. */
export const getBucketVersioning: Handler = async (ctx) => {
  const status = ctx.bucketRecord!.versioning;
  return xmlResponse(renderXml('VersioningConfiguration', status ? { Status: status } : {}));
};
