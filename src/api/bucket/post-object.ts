/**
 * PostObject: an HTML form upload (`POST /` to the bucket host, or `POST /bucket/`), multipart/form-data,
 * authenticated by a signed policy in the form rather than by headers (oss-api.md §3). The file part is
 * streamed straight into a blob; the object becomes visible at the metadata commit, as for PutObject.
 */
import { checkContentLength } from '../../auth/post-policy.js';
import { OssError } from '../../errors/oss-error.js';
import type { OssResponse, RequestContext } from '../../http/context.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Services } from '../../services.js';
import { StorageError } from '../../storage/errors.js';
import type { BlobWriteResult, ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { callbackVetoes, deliverBeforeCommit } from '../object/callback-failure.js';
import { callbackResponse, prepareDelivery, uploadVariables } from '../object/callback-response.js';
import { segmentOf, writeBlob } from '../object/encrypted-blob.js';
import { notifyObjectCreated } from '../object/notify.js';
import { quoteEtag } from '../object/object-headers.js';
import { writtenVersionHeaders } from '../object/object-version.js';
import { effectiveEncryption, serverSideEncryptionHeaders, sseKeyFor } from '../object/server-side-encryption.js';
import type { FormFile } from './post-form.js';
import { type PostUpload, preparePostUpload } from './post-upload.js';

interface StoredFile extends BlobWriteResult {
  imageInfo?: { width: number; height: number; format: string };
}

async function storeFile(
  s: Services,
  file: FormFile,
  maxBytes: number,
  sniff: boolean,
  sseKey: string | undefined,
): Promise<StoredFile> {
  // image-size is loaded only for a callback body that asks for imageInfo.
  const sniffer = sniff ? new (await import('../../callback/image-info.js')).ImageSniffer() : undefined;
  try {
    const stored = await writeBlob(
      s,
      file.stream,
      { maxBytes, onChunk: sniffer ? (c) => sniffer.push(c) : undefined },
      sseKey,
    );
    return { ...stored, imageInfo: sniffer?.result() };
  } catch (err) {
    if (err instanceof StorageError && err.kind === 'too-large') {
      throw new OssError('EntityTooLarge', { ec: '0006-00000003' });
    }
    throw err;
  }
}

function incorrectFileCount(): OssError {
  return new OssError('IncorrectNumberOfFilesInPOSTRequest');
}

/** `http(s)://<host>/<key>` as the client addressed the bucket (virtual-hosted or path style). */
function objectLocation(ctx: RequestContext, s: Services, key: string): string {
  const scheme = s.config.tlsCert && s.config.tlsKey ? 'https' : 'http';
  const host = ctx.req.headers.host ?? 'localhost';
  const bucket = ctx.bucket!;
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, '/');
  const vhost = host.toLowerCase().startsWith(`${bucket}.`);
  return `${scheme}://${host}/${vhost ? '' : `${bucket}/`}${encodedKey}`;
}

function successResponse(
  ctx: RequestContext,
  s: Services,
  upload: PostUpload,
  object: ObjectRecord,
  headers: Record<string, string | number | undefined>,
): OssResponse {
  const bucket = ctx.bucket!;
  const etag = quoteEtag(object.etag);
  if (upload.redirect) {
    const q = `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(upload.key)}&etag=${encodeURIComponent(etag)}`;
    const hash = upload.redirect.indexOf('#');
    const base = hash < 0 ? upload.redirect : upload.redirect.slice(0, hash);
    const fragment = hash < 0 ? '' : upload.redirect.slice(hash);
    const location = `${base}${base.includes('?') ? '&' : '?'}${q}${fragment}`;
    return { status: 303, headers: { ...headers, location } };
  }
  if (upload.successStatus === 201) {
    const xml = renderXml('PostResponse', {
      Bucket: bucket,
      Location: objectLocation(ctx, s, upload.key),
      Key: upload.key,
      ETag: etag,
    });
    return xmlResponse(xml, headers, 201);
  }
  return { status: upload.successStatus, headers };
}

export const postObject: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!;
  // busboy is loaded on the first PostObject, not at start.
  const { PostForm } = await import('./post-form.js');
  const form = new PostForm(ctx.req);
  let uncommitted: string | undefined;
  try {
    const head = await form.head();
    if (!head.file) throw incorrectFileCount();
    const file = head.file;
    const upload = await preparePostUpload(ctx, s, bucket, { ...head, file });
    upload.attributes.serverSideEncryption = await effectiveEncryption(
      s,
      bucket.name,
      upload.attributes.serverSideEncryption,
    );
    const sseKey = sseKeyFor(s, upload.attributes.serverSideEncryption);
    const sniff = upload.callback?.bodyTemplate.includes('imageInfo') === true;
    const stored = await storeFile(s, file, upload.maxBytes, sniff, sseKey);
    uncommitted = stored.blob;
    ctx.bytesIn = stored.size;
    if ((await form.done()) !== 1) throw incorrectFileCount();
    checkContentLength(upload.range, stored.size);

    const object: ObjectRecord = {
      bucket: bucket.name,
      key: upload.key,
      type: 'Normal',
      size: stored.size,
      etag: stored.md5.toString('hex').toUpperCase(),
      crc64: stored.crc64,
      contentMd5: stored.md5.toString('base64'),
      lastModified: Date.now(),
      ...upload.attributes,
      segments: [segmentOf(stored, sseKey)],
    };
    // Rendered and signed while the commit below runs; delivered only once it has succeeded.
    const delivery =
      upload.callback &&
      prepareDelivery(s, upload.callback, uploadVariables(ctx, object, 'PostObject', stored.imageInfo));
    const headers = {
      etag: quoteEtag(object.etag),
      'x-oss-hash-crc64ecma': object.crc64,
      'content-md5': object.contentMd5,
      ...serverSideEncryptionHeaders(object.serverSideEncryption),
    };
    // Veto mode: the callback decides whether the commit happens (the guard is re-checked inside it).
    const vetoed =
      delivery && (await callbackVetoes(s, bucket.name)) ? await deliverBeforeCommit(s, delivery, headers) : undefined;
    const { released, versionId } = await s.meta.putObject(object, upload.guard);
    uncommitted = undefined;
    await s.blobs.delete(released);
    Object.assign(headers, writtenVersionHeaders(versionId));
    await notifyObjectCreated(ctx, s, 'ObjectCreated:PostObject', object);

    if (vetoed) return { ...vetoed, headers: { ...vetoed.headers, ...writtenVersionHeaders(versionId) } };
    if (delivery) return await callbackResponse(s, delivery, headers);
    return successResponse(ctx, s, upload, object, headers);
  } catch (err) {
    if (uncommitted) await s.blobs.delete([uncommitted]);
    // A form failure (malformed body, aborted client) is the root cause of a failed file write.
    const formError = form.error;
    if (!(err instanceof OssError && err.code === 'CallbackFailed')) await form.abort();
    if (err instanceof OssError) throw err;
    if (formError) throw formError;
    if (err instanceof StorageError && err.kind === 'client-aborted') {
      throw new OssError('InvalidRequest', { message: 'The client aborted the upload.', cause: err });
    }
    throw err;
  }
};
