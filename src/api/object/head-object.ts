import type { Handler } from '../handler.js';
import { checkConditions } from './conditions.js';
import { objectResponseHeaders } from './object-headers.js';
import { loadRequestedObject, versionHeaders } from './object-version.js';
import { followSymlink, symlinkLastModified, symlinkResponseHeaders } from './resolve-symlink.js';

export const headObject: Handler = async (ctx, s) => {
  const stored = await loadRequestedObject(ctx, s);
  const o = await followSymlink(s, stored, {
    requester: ctx.requester,
    bucket: ctx.bucketRecord!,
    operation: ctx.operation,
  });
  const link = o === stored ? undefined : stored;
  checkConditions(ctx.headers, link ? { ...o, lastModified: symlinkLastModified(link, o) } : o);
  const headers = link ? symlinkResponseHeaders(link, o) : objectResponseHeaders(o);
  headers['content-length'] = o.size;
  Object.assign(headers, versionHeaders(ctx.bucketRecord, stored.versionId));
  return { status: 200, headers };
};
