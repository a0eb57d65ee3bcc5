import type { OssResponse, RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

/**
 * GetObject with `x-oss-process=image/…` or `style/NAME`: the processed image instead of the stored
 * bytes. Authorised exactly as GetObject (it is one, in the pipeline); `o` is the object after any symlink.
 * `process` defaults to the request's parameter (a style delimiter passes `style/NAME`).
 */
export async function processObject(
  ctx: RequestContext,
  s: Services,
  o: ObjectRecord,
  process = ctx.params.get('x-oss-process') ?? '',
): Promise<OssResponse> {
  // sharp (libvips, ~20 MiB mapped) is loaded on the first image request, not at start.
  const { renderImage } = await import('../../image/render.js');
  const out = await renderImage(s, { requester: ctx.requester, bucket: ctx.bucketRecord!, object: o, process });
  return {
    status: 200,
    headers: {
      'content-type': out.contentType,
      'content-length': out.body.length,
      'last-modified': new Date(o.lastModified).toUTCString(),
    },
    body: out.body,
  };
}
