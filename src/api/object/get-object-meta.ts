import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { quoteEtag } from './object-headers.js';

export const getObjectMeta: Handler = async (ctx, s) => {
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  return {
    status: 200,
    headers: {
      etag: quoteEtag(o.etag),
      'content-length': o.size,
      'last-modified': new Date(o.lastModified).toUTCString(),
      'x-oss-hash-crc64ecma': o.crc64,
      'x-oss-last-access-time': new Date(o.lastModified).toUTCString(),
    },
  };
};
