import { OssError } from '../../errors/oss-error.js';
import type { OssResponse, RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { releaseUncommitted } from '../uncommitted-blob.js';
import { callbackVetoes, deliverBeforeCommit } from './callback-failure.js';
import { callbackResponse, prepareCallback, prepareDelivery, uploadVariables } from './callback-response.js';
import { segmentOf } from './encrypted-blob.js';
import { notifyObjectCreated } from './notify.js';
import {
  contentHeadersFrom,
  isTrue,
  MAX_OBJECT_BYTES,
  metaFromHeaders,
  objectAclFrom,
  parseContentMd5,
  quoteEtag,
  storageClassFrom,
  tagsFromHeader,
} from './object-headers.js';
import { writtenVersionHeaders } from './object-version.js';
import {
  effectiveEncryption,
  serverSideEncryptionFrom,
  serverSideEncryptionHeaders,
  sseKeyFor,
} from './server-side-encryption.js';
import { storeBody } from './store-body.js';

export function fileAlreadyExists(): OssError {
  return new OssError('FileAlreadyExists', { ec: '0016-00000708' });
}

/** Guard for x-oss-forbid-overwrite, checked again inside the commit. */
export function forbidOverwriteGuard(ctx: RequestContext): ((existing: ObjectRecord | undefined) => void) | undefined {
  if (!isTrue(ctx.headers['x-oss-forbid-overwrite'])) return undefined;
  return (existing) => {
    if (existing) throw fileAlreadyExists();
  };
}

export const putObject: Handler = async (ctx: RequestContext, s: Services) => {
  const bucket = ctx.bucket!;
  const { headers } = ctx;
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_OBJECT_BYTES) {
    throw new OssError('EntityTooLarge', { ec: '0016-00000711' });
  }
  const expectedMd5 = parseContentMd5(headers['content-md5']);
  const meta = metaFromHeaders(headers);
  const acl = objectAclFrom(headers);
  const storageClass = storageClassFrom(headers);
  const tags = tagsFromHeader(headers['x-oss-tagging']);
  const serverSideEncryption = await effectiveEncryption(s, bucket, serverSideEncryptionFrom(headers));
  // Validate the callback before storing anything.
  const callback = prepareCallback(ctx, s);
  const guard = forbidOverwriteGuard(ctx);
  if (guard) guard(await s.meta.getObject(bucket, ctx.key));

  const stored = await storeBody(ctx, s, {
    expectedMd5,
    // Image dimensions only for a callback body that asks for them (sniffing costs every upload ~0.2 ms).
    sniffImage: callback?.bodyTemplate.includes('imageInfo') === true,
    allowInline: true,
    sseKey: sseKeyFor(s, serverSideEncryption),
  });
  const object: ObjectRecord = {
    bucket,
    key: ctx.key,
    type: 'Normal',
    size: stored.size,
    etag: stored.md5.toString('hex').toUpperCase(),
    crc64: stored.crc64,
    contentMd5: stored.md5.toString('base64'),
    lastModified: Date.now(),
    acl,
    storageClass,
    ...contentHeadersFrom(headers, 'application/octet-stream'),
    serverSideEncryption,
    meta,
    tags,
    segments: [segmentOf(stored, stored.sseKey)],
  };
  // Rendered and signed while the commit below runs; delivered only once it has succeeded.
  let written: string | undefined;
  const delivery =
    callback && prepareDelivery(s, callback, uploadVariables(ctx, object, 'PutObject', stored.imageInfo));
  const responseHeaders = {
    etag: quoteEtag(object.etag),
    'x-oss-hash-crc64ecma': object.crc64,
    'content-md5': object.contentMd5,
    ...serverSideEncryptionHeaders(object.serverSideEncryption),
  };
  // Veto mode: the callback decides whether the commit happens (the guard is re-checked inside it).
  let vetoed: OssResponse | undefined;
  try {
    if (delivery && (await callbackVetoes(s, bucket))) vetoed = await deliverBeforeCommit(s, delivery, responseHeaders);
    const inline = stored.data && { blob: stored.blob, data: stored.data };
    const { released, versionId } = await s.meta.putObject(object, guard, inline);
    await s.blobs.delete(released);
    written = versionId;
  } catch (err) {
    await releaseUncommitted(s, [stored.blob], err);
    throw err;
  }
  await notifyObjectCreated(ctx, s, 'ObjectCreated:PutObject', object);
  if (vetoed) return { ...vetoed, headers: { ...vetoed.headers, ...writtenVersionHeaders(written) } };
  Object.assign(responseHeaders, writtenVersionHeaders(written));
  if (delivery) return callbackResponse(s, delivery, responseHeaders);
  return { status: 200, headers: responseHeaders };
};
