import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import { encodingParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';
import { quoteEtag } from '../object/object-headers.js';
import { intParam, loadUpload, MAX_PART_NUMBER } from './multipart-common.js';

/** ListParts: `GET /b/k?uploadId=ID&max-parts&part-number-marker&encoding-type`. */
export const listParts: Handler = async (ctx, s) => {
  const maxParts = intParam(ctx, 'max-parts', 1000, 1000);
  const marker = intParam(ctx, 'part-number-marker', 0, MAX_PART_NUMBER);
  const encodingType = ctx.params.get('encoding-type');
  const enc = encodingParam(encodingType);
  const upload = await loadUpload(ctx, s);
  const { parts, isTruncated } =
    maxParts === 0
      ? { parts: [], isTruncated: false }
      : await s.meta.multipart.listParts(upload.uploadId, marker, maxParts);
  return xmlResponse(
    renderXml('ListPartsResult', {
      Bucket: upload.bucket,
      EncodingType: encodingType === 'url' ? 'url' : undefined,
      Key: enc(upload.key),
      UploadId: upload.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: parts.length ? parts[parts.length - 1].partNumber : marker,
      MaxParts: maxParts,
      IsTruncated: isTruncated,
      Part: parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: ossXmlDate(p.lastModified),
        ETag: quoteEtag(p.etag),
        HashCrc64ecma: p.crc64,
        Size: p.size,
      })),
    }),
  );
};
