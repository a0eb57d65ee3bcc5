import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { quoteEtag } from './object-headers.js';
import { encodeSymlinkTarget } from './put-symlink.js';

/** GetSymlink: the target in `x-oss-symlink-target` (ali-oss decodes it) plus ETag and Last-Modified. */
export const getSymlink: Handler = async (ctx, s) => {
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  if (o.type !== 'Symlink' || o.symlinkTarget === undefined) throw new OssError('NotSymlink');
  return {
    status: 200,
    headers: {
      'x-oss-symlink-target': encodeSymlinkTarget(o.symlinkTarget),
      etag: quoteEtag(o.etag),
      'last-modified': new Date(o.lastModified).toUTCString(),
    },
  };
};
