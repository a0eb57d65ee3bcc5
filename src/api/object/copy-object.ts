import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import type { ContentHeaders, ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { releaseUncommitted } from '../uncommitted-blob.js';
import { checkConditions } from './conditions.js';
import { copySourceVersionHeaders, loadSourceBucket, loadSourceObject, parseCopySource } from './copy-source.js';
import { segmentOf, writeBlob } from './encrypted-blob.js';
import { notifyObjectCreated } from './notify.js';
import {
  contentHeadersFrom,
  isTrue,
  metaFromHeaders,
  objectAclFrom,
  quoteEtag,
  storageClassFrom,
  tagsFromHeader,
} from './object-headers.js';
import { writtenVersionHeaders } from './object-version.js';
import { fileAlreadyExists } from './put-object.js';
import { openObjectRange } from './read-object.js';
import {
  effectiveEncryption,
  serverSideEncryptionFrom,
  serverSideEncryptionHeaders,
  sseKeyFor,
} from './server-side-encryption.js';

type Directive = 'COPY' | 'REPLACE';

function directive(value: string | undefined, name: string): Directive {
  if (value === undefined) return 'COPY';
  const v = value.trim().toUpperCase();
  if (v === 'COPY' || v === 'REPLACE') return v;
  throw new OssError('InvalidArgument', {
    message: `${name} must be COPY or REPLACE.`,
    extra: { ArgumentName: name, ArgumentValue: value },
  });
}

function contentHeadersOf(o: ObjectRecord): ContentHeaders {
  return {
    contentType: o.contentType,
    cacheControl: o.cacheControl,
    contentDisposition: o.contentDisposition,
    contentEncoding: o.contentEncoding,
    contentLanguage: o.contentLanguage,
    expires: o.expires,
  };
}

function sameVersion(a: ObjectRecord | undefined, b: ObjectRecord): boolean {
  return (
    a !== undefined &&
    a.etag === b.etag &&
    a.lastModified === b.lastModified &&
    a.segments.length === b.segments.length &&
    a.segments.every((seg, i) => seg.blob === b.segments[i].blob)
  );
}

/** The source changed between our read and the commit of a self-copy: read again. */
class SourceChanged extends Error {}

const MAX_ATTEMPTS = 5;

/**
 * CopyObject: `PUT /dst` + `x-oss-copy-source`. Bytes are streamed into a new blob (objects never share
 * blobs), except for a copy onto itself, which only rewrites the metadata (OSS semantics) and keeps the
 * blobs, guarded in the commit against a concurrent overwrite. A symlink source copies the symlink.
 */
export const copyObject: Handler = async (ctx, s) => {
  ctx.req.resume();
  const { headers } = ctx;
  const dstBucket = ctx.bucket!;
  const source = parseCopySource(headers['x-oss-copy-source']);
  const metaDirective = directive(headers['x-oss-metadata-directive'], 'x-oss-metadata-directive');
  const tagDirective = directive(headers['x-oss-tagging-directive'], 'x-oss-tagging-directive');
  // Validate everything taken from the request before touching storage.
  const replaceMeta = metaDirective === 'REPLACE';
  const requestMeta = replaceMeta ? metaFromHeaders(headers) : undefined;
  const requestContent = replaceMeta ? contentHeadersFrom(headers, 'application/octet-stream') : undefined;
  const requestTags = tagDirective === 'REPLACE' ? tagsFromHeader(headers['x-oss-tagging']) : undefined;
  const requestAcl = headers['x-oss-object-acl'] !== undefined ? objectAclFrom(headers) : undefined;
  const requestClass = headers['x-oss-storage-class'] !== undefined ? storageClassFrom(headers) : undefined;
  const forbidOverwrite = isTrue(headers['x-oss-forbid-overwrite']);
  // The target's encryption is what this request asks for (else the bucket default), whatever the source had (OSS).
  const serverSideEncryption = await effectiveEncryption(s, dstBucket, serverSideEncryptionFrom(headers));
  const sseKey = sseKeyFor(s, serverSideEncryption);
  // A copy of an older version onto its key (a restore) copies the bytes like any other copy.
  const self = source.bucket === dstBucket && source.key === ctx.key && source.versionId === undefined;

  const srcBucket = await loadSourceBucket(ctx, s, source.bucket);
  for (let attempt = 1; ; attempt++) {
    const src = await loadSourceObject(ctx, s, srcBucket, source);
    // OSS applies plain If-* headers to the source as well and names them as sent (ali-oss's copy()
    // sends both the plain header and its x-oss-copy-source- twin; the plain name is reported).
    checkConditions(headers, src);
    checkConditions(headers, src, 'x-oss-copy-source-');
    if (forbidOverwrite && (self || (await s.meta.getObject(dstBucket, ctx.key)))) throw fileAlreadyExists();

    // A copy onto itself keeps its blobs unless they are not encrypted as the target must be (another key,
    // e.g. after a key rotation, or encryption added or removed): then the bytes are rewritten.
    const keepBlobs = self && src.segments.every((seg) => seg.sseKey === sseKey);
    const target: ObjectRecord = {
      bucket: dstBucket,
      key: ctx.key,
      type: src.type,
      size: src.size,
      etag: src.etag,
      crc64: src.crc64,
      contentMd5: src.contentMd5,
      lastModified: Date.now(),
      // A copy onto itself keeps its ACL unless told otherwise; a new object inherits the bucket's.
      acl: requestAcl ?? (self ? src.acl : 'default'),
      storageClass: requestClass ?? src.storageClass,
      ...(requestContent ?? contentHeadersOf(src)),
      serverSideEncryption,
      meta: requestMeta ?? { ...src.meta },
      tags: requestTags ?? { ...src.tags },
      segments: keepBlobs || src.type === 'Symlink' ? src.segments : [],
      symlinkTarget: src.symlinkTarget,
    };

    let newBlob: string | undefined;
    let written: string | undefined;
    if (!keepBlobs && src.type !== 'Symlink') {
      let stream: Awaited<ReturnType<typeof openObjectRange>>;
      try {
        stream = await openObjectRange(s, src, 0, src.size - 1);
      } catch (err) {
        // An overwrite released the source blob between our metadata read and the open: read again.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      const written = await writeBlob(s, stream, { maxBytes: src.size }, sseKey);
      newBlob = written.blob;
      if (written.size !== src.size) {
        await s.blobs.delete([written.blob]);
        throw new OssError('InternalError', { message: 'The copy source changed while it was being read.' });
      }
      target.segments = [segmentOf(written, sseKey)];
      target.crc64 = written.crc64;
      if (src.type === 'Normal') {
        target.etag = written.md5.toString('hex').toUpperCase();
        target.contentMd5 = written.md5.toString('base64');
      }
    }

    const guard = (existing: ObjectRecord | undefined) => {
      if (forbidOverwrite && existing) throw fileAlreadyExists();
      if (self && !sameVersion(existing, src)) throw new SourceChanged();
    };
    try {
      const { released, versionId } = await s.meta.putObject(target, guard);
      await s.blobs.delete(released);
      written = versionId;
    } catch (err) {
      if (newBlob) await releaseUncommitted(s, [newBlob], err);
      if (err instanceof SourceChanged && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }

    await notifyObjectCreated(ctx, s, 'ObjectCreated:CopyObject', target);
    const etag = quoteEtag(target.etag);
    return xmlResponse(renderXml('CopyObjectResult', { ETag: etag, LastModified: ossXmlDate(target.lastModified) }), {
      etag,
      'x-oss-hash-crc64ecma': target.crc64,
      ...serverSideEncryptionHeaders(serverSideEncryption),
      ...copySourceVersionHeaders(srcBucket, src),
      ...writtenVersionHeaders(written),
    });
  }
};
