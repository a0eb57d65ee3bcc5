import { OssError } from '../errors/oss-error.js';
import type { RequestContext } from '../http/context.js';

/** Reads a request body that is parsed in memory (XML), refusing anything past `limit` bytes. */
export async function readSmallBody(ctx: RequestContext, limit: number): Promise<Buffer> {
  const declared = Number(ctx.headers['content-length'] ?? 0);
  if (declared > limit) throw new OssError('EntityTooLarge', { message: `The request body exceeds ${limit} bytes.` });
  const chunks: Buffer[] = [];
  let size = 0;
  // Not destroyed on an early exit (too large): the rest of the body can still be drained.
  for await (const c of ctx.req.iterator({ destroyOnReturn: false })) {
    size += (c as Buffer).length;
    if (size > limit) throw new OssError('EntityTooLarge', { message: `The request body exceeds ${limit} bytes.` });
    chunks.push(c as Buffer);
  }
  ctx.bytesIn = size;
  return Buffer.concat(chunks);
}
