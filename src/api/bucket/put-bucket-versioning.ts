import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';

const MAX_VERSIONING_XML = 4 * 1024;

/**
 * PutBucketVersioning: `PUT /b/?versioning` with `<VersioningConfiguration><Status>Enabled|Suspended</Status>`.
 * Once enabled, a bucket can be suspended but never return to unversioned (as on OSS).
 */
export const putBucketVersioning: Handler = async (ctx, s) => {
  const doc = parseXml((await readSmallBody(ctx, MAX_VERSIONING_XML)).toString('utf8'));
  const roots = children(doc, 'VersioningConfiguration');
  if (roots.length !== 1) throw new OssError('MalformedXML');
  const status = childText(roots[0], 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Suspended') {
    throw new OssError('MalformedXML', { message: 'Status must be Enabled or Suspended.' });
  }
  await s.meta.updateBucket(ctx.bucketRecord!.name, { versioning: status });
  return { status: 200 };
};
