import { Readable } from 'node:stream';
import { checkAccess } from '../../auth/access.js';
import { OssError } from '../../errors/oss-error.js';
import { validateObjectKey } from '../../http/validate.js';
import { parseSaveAs } from '../../image/parse.js';
import type { ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { segmentOf, writeBlob } from './encrypted-blob.js';
import { followSymlink } from './resolve-symlink.js';
import { effectiveEncryption, sseKeyFor } from './server-side-encryption.js';

const MAX_FORM = 16 * 1024;

/**
 * ProcessObjectSave: `POST /k?x-oss-process` with a form body `x-oss-process=image/…|sys/saveas,o_<b64>[,b_<b64>]`
 * (ali-oss `processObjectSave`). Reads the source like GetObject, writes the result as a new object; the
 * caller must be allowed to write the target (its bucket's policy and ACL, an STS policy's PutObject).
 */
export const processObjectSave: Handler = async (ctx, s) => {
  const form = new URLSearchParams((await readSmallBody(ctx, MAX_FORM)).toString('utf8'));
  const value = form.get('x-oss-process');
  if (!value) throw new OssError('InvalidArgument', { message: 'The body must carry x-oss-process=…|sys/saveas,….' });
  const save = parseSaveAs(value);
  const sourceBucket = ctx.bucketRecord!;
  const targetName = save.bucket ?? sourceBucket.name;
  validateObjectKey(save.object);
  const targetBucket = targetName === sourceBucket.name ? sourceBucket : await s.meta.getBucket(targetName);
  if (!targetBucket) throw new OssError('NoSuchBucket', { extra: { BucketName: targetName } });
  await checkAccess(ctx.requester, {
    level: 'object-write',
    operation: 'PutObject',
    bucket: targetBucket,
    requests: [{ operation: 'PutObject', bucket: targetName, key: save.object }],
  });

  const stored =
    ctx.objectRead === undefined ? await s.meta.getObject(sourceBucket.name, ctx.key) : ctx.objectRead?.object;
  if (!stored) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  const source = await followSymlink(s, stored, {
    requester: ctx.requester,
    bucket: sourceBucket,
    operation: 'GetObject',
  });
  const { renderImage } = await import('../../image/render.js'); // loads sharp on first use
  const out = await renderImage(s, {
    requester: ctx.requester,
    bucket: sourceBucket,
    object: source,
    process: save.process,
  });

  // The saved image is a new object of the target bucket: its default encryption applies.
  const serverSideEncryption = await effectiveEncryption(s, targetName, undefined);
  const sseKey = sseKeyFor(s, serverSideEncryption);
  const written = await writeBlob(s, Readable.from([out.body]), { maxBytes: out.body.length }, sseKey);
  const object: ObjectRecord = {
    bucket: targetName,
    key: save.object,
    type: 'Normal',
    size: written.size,
    etag: written.md5.toString('hex').toUpperCase(),
    crc64: written.crc64,
    contentMd5: written.md5.toString('base64'),
    lastModified: Date.now(),
    acl: 'default',
    storageClass: 'Standard',
    contentType: out.contentType,
    meta: {},
    tags: {},
    serverSideEncryption,
    segments: [segmentOf(written, sseKey)],
  };
  try {
    const { released } = await s.meta.putObject(object);
    await s.blobs.delete(released);
  } catch (err) {
    await s.blobs.delete([written.blob]);
    throw err;
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bucket: targetName, fileSize: object.size, object: save.object, status: 'OK' }),
  };
};
