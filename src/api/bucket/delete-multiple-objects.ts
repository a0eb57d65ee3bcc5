import { createHash } from 'node:crypto';
import { checkAccess } from '../../auth/access.js';
import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { children, childText, parseXml, renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { notifyObjectsRemoved } from '../object/notify.js';
import { readSmallBody } from '../read-body.js';
import { encodingParam } from './list-objects.js';

/** Request body limit: 1000 keys of up to 1023 bytes, XML-escaped, fit comfortably. */
export const DELETE_MULTI_MAX_BODY = 2 * 1024 * 1024;
export const DELETE_MULTI_MAX_KEYS = 1000;

function malformed(message?: string): OssError {
  return new OssError('MalformedXML', message ? { message } : {});
}

/** Parses `<Delete><Quiet/><Object><Key/>[<VersionId/>]</Object>…</Delete>` into (quiet, keys, versions). */
export function parseDeleteRequest(body: string): {
  quiet: boolean;
  keys: string[];
  /** Per key: the VersionId asked for, or undefined. */
  versions: (string | undefined)[];
} {
  const root = parseXml(body).Delete;
  if (root === undefined) throw malformed();
  const quietText = (childText(root, 'Quiet') ?? 'false').trim().toLowerCase();
  if (quietText !== 'true' && quietText !== 'false') throw malformed('Quiet must be true or false.');
  const objects = children(root, 'Object');
  if (objects.length === 0) throw malformed('The request names no objects.');
  if (objects.length > DELETE_MULTI_MAX_KEYS) {
    throw malformed(`The request names ${objects.length} objects; at most ${DELETE_MULTI_MAX_KEYS} are allowed.`);
  }
  const keys = objects.map((o) => {
    const key = childText(o, 'Key');
    if (key === undefined || key === '') throw malformed('Every Object needs a non-empty Key.');
    return key;
  });
  const versions = objects.map((o) => {
    const v = childText(o, 'VersionId');
    if (v === '') throw malformed('A VersionId must not be empty.');
    return v;
  });
  return { quiet: quietText === 'true', keys, versions };
}

/** POST /b/?delete — DeleteMultipleObjects, quiet or verbose; missing keys count as deleted. */
export const deleteMultipleObjects: Handler = async (ctx, s) => {
  const enc = encodingParam(ctx.params.get('encoding-type'));
  const body = await readSmallBody(ctx, DELETE_MULTI_MAX_BODY);
  const md5 = ctx.headers['content-md5'];
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) {
    throw new OssError('InvalidDigest');
  }
  const { quiet, keys, versions } = parseDeleteRequest(body.toString('utf8'));
  const bucket = ctx.bucketRecord!;
  const owner = ctx.principal?.accountId === bucket.owner;
  // Keys named with a version also need oss:DeleteObjectVersion (bucket policy and STS token policy).
  const versioned = new Set(keys.filter((_, i) => versions[i] !== undefined));
  const sts = ctx.principal?.temporary !== undefined;
  if (!owner || (await ctx.requester.access(bucket)).policy !== undefined || (versioned.size > 0 && sts)) {
    // The pipeline let the caller in for the bucket; each key is checked as its own DeleteObject (the bucket
    // policy, an object's own ACL) before any is deleted.
    for (const key of new Set(keys)) {
      const o = owner ? undefined : await s.meta.getObject(bucket.name, key);
      await checkAccess(ctx.requester, {
        level: 'object-write',
        operation: 'DeleteObject',
        bucket,
        objectAcl: o?.acl,
        requests: [
          { operation: 'DeleteObject', bucket: bucket.name, key },
          ...(versioned.has(key)
            ? [{ operation: 'DeleteObject' as const, bucket: bucket.name, key, action: 'DeleteObjectVersion' }]
            : []),
        ],
      });
    }
  }
  // Concurrent deletes share group commits.
  const results = await Promise.all(
    keys.map(async (k, i) => {
      const versionId = versions[i];
      if (versionId === undefined) {
        const r = await s.meta.deleteObject(bucket.name, k);
        const marker = r.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: r.versionId ?? 'null' } : {};
        return { released: r.released, existed: r.existed, xml: { Key: enc(k), ...marker } };
      }
      const r = await s.meta.deleteObjectVersion(bucket.name, k, versionId);
      const marker = r.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: versionId } : {};
      return { released: r.released, existed: true, xml: { Key: enc(k), VersionId: versionId, ...marker } };
    }),
  );
  await s.blobs.delete(results.flatMap((r) => r.released));
  const removed = [...new Set(keys.filter((_, i) => results[i].existed))];
  await notifyObjectsRemoved(ctx, s, 'ObjectRemoved:DeleteObjects', bucket.name, removed);
  return xmlResponse(
    renderXml('DeleteResult', {
      EncodingType: ctx.params.get('encoding-type') === 'url' ? 'url' : undefined,
      Deleted: quiet ? undefined : results.map((r) => r.xml),
    }),
  );
};
