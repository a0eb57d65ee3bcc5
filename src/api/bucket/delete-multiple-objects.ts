import { createHash } from 'node:crypto';
import { authorize } from '../../auth/acl.js';
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

/** Parses `<Delete><Quiet/><Object><Key/>…</Object>…</Delete>` into (quiet, keys). */
export function parseDeleteRequest(body: string): { quiet: boolean; keys: string[] } {
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
  return { quiet: quietText === 'true', keys };
}

/** POST /b/?delete — DeleteMultipleObjects, quiet or verbose; missing keys count as deleted. */
export const deleteMultipleObjects: Handler = async (ctx, s) => {
  const enc = encodingParam(ctx.params.get('encoding-type'));
  const body = await readSmallBody(ctx, DELETE_MULTI_MAX_BODY);
  const md5 = ctx.headers['content-md5'];
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) {
    throw new OssError('InvalidDigest');
  }
  const { quiet, keys } = parseDeleteRequest(body.toString('utf8'));
  const bucket = ctx.bucketRecord!;
  if (ctx.principal?.accountId !== bucket.owner) {
    // The bucket ACL let a non-owner in; an object's own ACL may still refuse (checked before deleting any).
    for (const key of new Set(keys)) {
      const o = await s.meta.getObject(bucket.name, key);
      authorize('object-write', ctx.principal, bucket, o?.acl);
    }
  }
  // Concurrent deletes share group commits.
  const results = await Promise.all(keys.map((k) => s.meta.deleteObject(bucket.name, k)));
  await s.blobs.delete(results.flatMap((r) => r.released));
  const removed = [...new Set(keys.filter((_, i) => results[i].existed))];
  await notifyObjectsRemoved(ctx, s, 'ObjectRemoved:DeleteObjects', bucket.name, removed);
  return xmlResponse(
    renderXml('DeleteResult', {
      EncodingType: ctx.params.get('encoding-type') === 'url' ? 'url' : undefined,
      Deleted: quiet ? undefined : keys.map((k) => ({ Key: enc(k) })),
    }),
  );
};
