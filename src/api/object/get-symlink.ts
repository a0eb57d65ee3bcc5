import { OssError } from '../../errors/oss-error.js';
import { headerValue } from '../../http/context.js';
import type { Handler } from '../handler.js';
import { quoteEtag } from './object-headers.js';
import { loadRequestedObject, versionHeaders } from './object-version.js';
import { encodeSymlinkTarget } from './put-symlink.js';

/**
 * GetSymlink: the target in `x-oss-symlink-target` (ali-oss decodes it), the symlink's ETag and
 * Last-Modified, and its user metadata as `x-oss-meta-*`.
 */
export const getSymlink: Handler = async (ctx, s) => {
  const o = await loadRequestedObject(ctx, s);
  if (o.type !== 'Symlink' || o.symlinkTarget === undefined) throw new OssError('NotSymlink');
  const headers: Record<string, string> = {
    'x-oss-symlink-target': encodeSymlinkTarget(o.symlinkTarget),
    etag: quoteEtag(o.etag),
    'last-modified': new Date(o.lastModified).toUTCString(),
    ...versionHeaders(ctx.bucketRecord, o.versionId),
  };
  for (const [k, v] of Object.entries(o.meta)) headers[`x-oss-meta-${k}`] = headerValue(v);
  return { status: 200, headers };
};
