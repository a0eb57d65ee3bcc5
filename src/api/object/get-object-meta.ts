import type { Handler } from '../handler.js';
import { quoteEtag } from './object-headers.js';
import { loadRequestedObject, versionHeaders } from './object-version.js';

export const getObjectMeta: Handler = async (ctx, s) => {
  const o = await loadRequestedObject(ctx, s);
  return {
    status: 200,
    headers: {
      etag: quoteEtag(o.etag),
      'content-length': o.size,
      'last-modified': new Date(o.lastModified).toUTCString(),
      'x-oss-hash-crc64ecma': o.crc64,
      'x-oss-last-access-time': new Date(o.lastModified).toUTCString(),
      ...versionHeaders(ctx.bucketRecord, o.versionId),
    },
  };
};
