import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import { encodingParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';
import {
  contentHeadersFrom,
  metaFromHeaders,
  objectAclFrom,
  storageClassFrom,
  tagsFromHeader,
} from '../object/object-headers.js';
import { forbidOverwriteGuard } from '../object/put-object.js';
import {
  effectiveEncryption,
  serverSideEncryptionFrom,
  serverSideEncryptionHeaders,
  sseKeyFor,
} from '../object/server-side-encryption.js';
import { newUploadId } from './multipart-common.js';

/**
 * InitiateMultipartUpload: `POST /b/k?uploads`. Captures the final object's content headers, user
 * metadata, ACL, storage class and tags. An x-oss-callback header (ali-oss copies it here) is ignored:
 * the callback belongs to CompleteMultipartUpload.
 */
export const initiateMultipartUpload: Handler = async (ctx, s) => {
  ctx.req.resume();
  const { headers } = ctx;
  const enc = encodingParam(ctx.params.get('encoding-type'));
  const serverSideEncryption = await effectiveEncryption(s, ctx.bucket!, serverSideEncryptionFrom(headers));
  const template = {
    ...contentHeadersFrom(headers, 'application/octet-stream'),
    serverSideEncryption,
    // The key every part is encrypted with: fixed now, so parts need no record of their own.
    sseKey: sseKeyFor(s, serverSideEncryption),
    acl: objectAclFrom(headers),
    storageClass: storageClassFrom(headers),
    meta: metaFromHeaders(headers),
    tags: tagsFromHeader(headers['x-oss-tagging']),
  };
  const guard = forbidOverwriteGuard(ctx);
  if (guard) guard(await s.meta.getObject(ctx.bucket!, ctx.key));
  const now = Date.now();
  const uploadId = newUploadId(now);
  await s.meta.multipart.createUpload({ uploadId, bucket: ctx.bucket!, key: ctx.key, initiated: now, template });
  return xmlResponse(
    renderXml('InitiateMultipartUploadResult', {
      Bucket: ctx.bucket!,
      Key: enc(ctx.key),
      UploadId: uploadId,
      EncodingType: ctx.params.get('encoding-type') === 'url' ? 'url' : undefined,
    }),
    serverSideEncryptionHeaders(template.serverSideEncryption),
  );
};
