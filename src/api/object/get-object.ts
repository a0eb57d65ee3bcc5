import { OssError } from '../../errors/oss-error.js';
import type { OssResponse, RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { Handler } from '../handler.js';
import { checkConditions, parseRange } from './conditions.js';
import { objectResponseHeaders } from './object-headers.js';
import { loadVersion, missingObject, requestedVersion, versionHeaders } from './object-version.js';
import { processObject } from './process-object.js';
import { objectBody } from './read-object.js';
import { followSymlink, symlinkLastModified, symlinkResponseHeaders } from './resolve-symlink.js';
import { resolveStyledKey } from './style-delimiter-get.js';

const OVERRIDES: [string, string][] = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

/** A missing key: `KEY<delimiter>STYLE` processed (see resolveStyledKey), else NoSuchKey. */
async function styledOrMissing(ctx: RequestContext, s: Services): Promise<OssResponse> {
  const styled = await resolveStyledKey(ctx, s);
  if (!styled) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  const o = await followSymlink(s, styled.object, {
    requester: ctx.requester,
    bucket: ctx.bucketRecord!,
    operation: ctx.operation,
  });
  checkConditions(ctx.headers, o === styled.object ? o : { ...o, lastModified: symlinkLastModified(styled.object, o) });
  return processObject(ctx, s, o, `style/${styled.style}`);
}

export const getObject: Handler = async (ctx, s) => {
  const versionId = requestedVersion(ctx);
  for (let attempt = 0; ; attempt++) {
    const found =
      versionId !== undefined
        ? { object: await loadVersion(s, ctx.bucket!, ctx.key, versionId), data: undefined }
        : attempt === 0 && ctx.objectRead !== undefined
          ? (ctx.objectRead ?? undefined)
          : await s.meta.getObjectWithData(ctx.bucket!, ctx.key);
    const stored = found?.object;
    if (!stored) {
      const missing = await missingObject(ctx, s, ctx.bucket!, ctx.key);
      if (missing.headers['x-oss-delete-marker']) throw missing;
      return styledOrMissing(ctx, s);
    }
    const o = await followSymlink(s, stored, {
      requester: ctx.requester,
      bucket: ctx.bucketRecord!,
      operation: ctx.operation,
    });
    const link = o === stored ? undefined : stored;
    checkConditions(ctx.headers, link ? { ...o, lastModified: symlinkLastModified(link, o) } : o);
    if (ctx.params.has('x-oss-process')) return processObject(ctx, s, o);
    const standard = ctx.headers['x-oss-range-behavior'] === 'standard';
    const range = parseRange(ctx.headers.range, o.size, standard);
    const headers = link ? symlinkResponseHeaders(link, o) : objectResponseHeaders(o);
    Object.assign(headers, versionHeaders(ctx.bucketRecord, stored.versionId));
    for (const [param, header] of OVERRIDES) {
      const v = ctx.params.get(param);
      if (v !== undefined) headers[header] = v;
    }
    const [start, end] = range ?? [0, o.size - 1];
    let body: Awaited<ReturnType<typeof objectBody>>;
    try {
      body = await objectBody(s, o, start, end, o === stored ? found?.data : undefined);
    } catch (err) {
      // An overwrite released the blob between our metadata read and the open: read again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt === 0) continue;
      throw err;
    }
    headers['content-length'] = o.size === 0 ? 0 : end - start + 1;
    if (range) {
      headers['content-range'] = `bytes ${start}-${end}/${o.size}`;
      // A range response's MD5 would describe the whole object.
      headers['content-md5'] = undefined;
      return { status: 206, headers, body };
    }
    return { status: 200, headers, body };
  }
};
