import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';

/** GET /b/k?acl — the object's own ACL (`default` means "inherit the bucket's"). */
export const getObjectAcl: Handler = async (ctx, s) => {
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  return xmlResponse(
    renderXml('AccessControlPolicy', {
      Owner: ownerXml(ctx.bucketRecord!.owner),
      AccessControlList: { Grant: o.acl },
    }),
  );
};
