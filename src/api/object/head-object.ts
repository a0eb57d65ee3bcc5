import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { checkConditions } from './conditions.js';
import { objectResponseHeaders } from './object-headers.js';
import { followSymlink, symlinkLastModified, symlinkResponseHeaders } from './resolve-symlink.js';

export const headObject: Handler = async (ctx, s) => {
  const stored = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!stored) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  const o = await followSymlink(s, stored, {
    requester: ctx.requester,
    bucket: ctx.bucketRecord!,
    operation: ctx.operation,
  });
  const link = o === stored ? undefined : stored;
  checkConditions(ctx.headers, link ? { ...o, lastModified: symlinkLastModified(link, o) } : o);
  const headers = link ? symlinkResponseHeaders(link, o) : objectResponseHeaders(o);
  headers['content-length'] = o.size;
  return { status: 200, headers };
};
