import type { Handler } from '../handler.js';
import { loadUpload, noSuchUpload, releaseBlobs } from './multipart-common.js';

/** AbortMultipartUpload: `DELETE /b/k?uploadId=ID` → 204; the parts' blobs are deleted after the commit. */
export const abortMultipartUpload: Handler = async (ctx, s) => {
  ctx.req.resume();
  const upload = await loadUpload(ctx, s);
  const r = await s.meta.multipart.abortUpload(upload.uploadId);
  if (r === 'no-upload') throw noSuchUpload(upload.uploadId);
  await releaseBlobs(s, r.released);
  return { status: 204 };
};
