import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import { encodingParam, maxKeysParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';

/**
 * ListMultipartUploads: `GET /b/?uploads&prefix&delimiter&key-marker&upload-id-marker&max-uploads&encoding-type`.
 * Uploads sort by key, then by upload id (ids sort by initiation time).
 */
export const listMultipartUploads: Handler = async (ctx, s) => {
  const p = ctx.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const keyMarker = p.get('key-marker') ?? '';
  // Without a key marker the upload-id marker is ignored (as in S3/OSS).
  const uploadIdMarker = keyMarker ? (p.get('upload-id-marker') ?? '') : '';
  // OSS docs: default 1000, at most 1000 (the shared spec's 100 is for max-keys).
  const maxUploads = maxKeysParam(p.get('max-uploads'), 'max-uploads', 0, 1000);
  const encodingType = p.get('encoding-type');
  const enc = encodingParam(encodingType);
  const bucket = ctx.bucketRecord!;
  const r =
    maxUploads === 0
      ? { uploads: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: undefined, nextUploadIdMarker: undefined }
      : await s.meta.multipart.listUploads(bucket.name, { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads });
  return xmlResponse(
    renderXml('ListMultipartUploadsResult', {
      Bucket: bucket.name,
      EncodingType: encodingType === 'url' ? 'url' : undefined,
      KeyMarker: enc(keyMarker),
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: enc(r.nextKeyMarker ?? ''),
      NextUploadIdMarker: r.nextUploadIdMarker ?? '',
      Delimiter: enc(delimiter),
      Prefix: enc(prefix),
      MaxUploads: maxUploads,
      IsTruncated: r.isTruncated,
      Upload: r.uploads.map((u) => ({ Key: enc(u.key), UploadId: u.uploadId, Initiated: ossXmlDate(u.initiated) })),
      CommonPrefixes: r.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
    }),
  );
};
