import { readWebsite } from '../api/bucket/website-config.js';
import { checkAccess } from '../auth/access.js';
import { OssError } from '../errors/oss-error.js';
import { loadStyleDelimiters, splitStyleKey } from '../image/style-delimiters.js';
import { loadStyle } from '../image/styles.js';
import type { Services } from '../services.js';
import type { OssResponse, RequestContext } from './context.js';

/** What an anonymous request to a bucket with a static website configuration turns into. */
export interface WebsiteOutcome {
  /** Answer this instead (a 302 to the directory). */
  response?: OssResponse;
}

async function isStyledKey(s: Services, bucket: string, key: string): Promise<boolean> {
  const delimiters = await loadStyleDelimiters(s.meta, bucket);
  const split = delimiters ? splitStyleKey(key, delimiters) : undefined;
  if (!split || !(await loadStyle(s.meta, bucket, split.style))) return false;
  return (await s.meta.getObject(bucket, split.key)) !== undefined;
}

function encodePath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * Static website hosting, as OSS serves it to anonymous GET/HEAD requests (signed requests are not
 * affected): the bucket root and keys ending in `/` serve the index document (`dir/<suffix>` with
 * SupportSubDir, else the root one); a missing key without a trailing slash, with SupportSubDir, follows
 * Type (0: 302 to `key/` when `key/<suffix>` exists; 2: serve `key/<suffix>`; 1: neither); a key still
 * missing serves the error document with its HttpStatus. Rewrites ctx.key/ctx.operation (the ACL check
 * that follows applies to the document served); returns a response only for a redirect.
 */
export async function applyWebsite(ctx: RequestContext, s: Services, style: 'path' | 'vhost'): Promise<WebsiteOutcome> {
  const bucket = ctx.bucketRecord!;
  const root = ctx.operation === 'ListObjects';
  // A listing with parameters is a listing; only a bare GET of the root is a website request.
  if (root && ctx.query.length > 0) return {};
  if (!root && ctx.operation !== 'GetObject' && ctx.operation !== 'HeadObject') return {};
  const key = ctx.key;
  const dirLike = key === '' || key.endsWith('/');
  const exists = async (k: string) => (await s.meta.getObject(bucket.name, k)) !== undefined;
  if (!dirLike) {
    // The common case: the object is there and the website has nothing to say (read once, kept for GetObject).
    if (ctx.operation === 'GetObject') {
      ctx.objectRead = (await s.meta.getObjectWithData(bucket.name, key)) ?? null;
      if (ctx.objectRead) return {};
    } else if (await exists(key)) return {};
  }
  const site = await readWebsite(s, bucket.name);
  if (!site) return {};
  // `photo.jpg!small` (an image style through the bucket's style delimiters) is GetObject's to answer.
  if (!dirLike && ctx.operation === 'GetObject' && (await isStyledKey(s, bucket.name, key))) return {};
  const serve = (k: string, status?: number) => {
    ctx.key = k;
    if (root) ctx.operation = 'GetObject';
    ctx.objectRead = undefined;
    ctx.websiteStatus = status;
    return {};
  };
  if (site.suffix !== undefined) {
    if (dirLike) {
      const index = key !== '' && site.supportSubDir ? `${key}${site.suffix}` : site.suffix;
      if (await exists(index)) return serve(index);
    } else if (site.supportSubDir && site.type !== 1) {
      const index = `${key}/${site.suffix}`;
      const found = await s.meta.getObject(bucket.name, index);
      if (found) {
        if (site.type === 2) return serve(index);
        // Only point at a directory whose index document the caller could read.
        await checkAccess(ctx.requester, {
          level: 'object-read',
          operation: 'GetObject',
          bucket,
          objectAcl: found.acl,
          requests: [{ operation: 'GetObject', bucket: bucket.name, key: index }],
        });
        const location = style === 'path' ? `/${encodePath(bucket.name)}/${encodePath(key)}/` : `/${encodePath(key)}/`;
        return { response: { status: 302, headers: { location, 'content-length': 0 } } };
      }
    }
  }
  if (site.errorKey !== undefined && (await exists(site.errorKey))) return serve(site.errorKey, site.errorStatus);
  if (root) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: site.suffix ?? '' } });
  return {};
}
