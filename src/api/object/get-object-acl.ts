import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';
import { loadRequestedObject, versionHeaders } from './object-version.js';

/** GET /b/k?acl — the object's own ACL (`default` means "inherit the bucket's"). */
export const getObjectAcl: Handler = async (ctx, s) => {
  const o = await loadRequestedObject(ctx, s);
  return xmlResponse(
    renderXml('AccessControlPolicy', {
      Owner: ownerXml(ctx.bucketRecord!.owner),
      AccessControlList: { Grant: o.acl },
    }),
    versionHeaders(ctx.bucketRecord, o.versionId),
  );
};
