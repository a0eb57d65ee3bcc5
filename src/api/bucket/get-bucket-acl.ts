import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';

/** GET /b/?acl — AccessControlPolicy{Owner{ID,DisplayName},AccessControlList{Grant}}. */
export const getBucketAcl: Handler = async (ctx) => {
  const b = ctx.bucketRecord!;
  return xmlResponse(
    renderXml('AccessControlPolicy', { Owner: ownerXml(b.owner), AccessControlList: { Grant: b.acl } }),
  );
};
