import { authorizeObjectRead } from '../../auth/object-read.js';
import type { RequestContext } from '../../http/context.js';
import { loadStyleDelimiters, splitStyleKey } from '../../image/style-delimiters.js';
import { loadStyle } from '../../image/styles.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

/** The object and style a GET of a missing key names through the bucket's style delimiters. */
export interface StyledSource {
  key: string;
  object: ObjectRecord;
  style: string;
}

/**
 * A GET of `photo.jpg!small` when no object `photo.jpg!small` exists: with `!` among the bucket's style
 * delimiters, an object `photo.jpg` and a style `small`, it is `photo.jpg?x-oss-process=style/small`.
 * The pipeline authorised a GetObject of the requested key; the source is checked again exactly as a
 * direct GET of it would be (ACL, then STS policy), so this form never reads what a direct GET could not.
 * Undefined when any part is missing: the caller answers NoSuchKey, as for any missing key.
 */
export async function resolveStyledKey(ctx: RequestContext, s: Services): Promise<StyledSource | undefined> {
  if (ctx.params.has('x-oss-process')) return undefined;
  const bucket = ctx.bucketRecord!;
  const delimiters = await loadStyleDelimiters(s.meta, bucket.name);
  if (!delimiters) return undefined;
  const split = splitStyleKey(ctx.key, delimiters);
  if (!split) return undefined;
  // An unknown style is a missing key whatever the source (styles are not secret: style/NAME names them too).
  if (!(await loadStyle(s.meta, bucket.name, split.style))) return undefined;
  const object = await s.meta.getObject(bucket.name, split.key);
  // Before existence is revealed, as the pipeline does for a direct GET.
  await authorizeObjectRead(ctx.requester, bucket, split.key, object, 'GetObject');
  if (!object) return undefined;
  return { key: split.key, object, style: split.style };
}
