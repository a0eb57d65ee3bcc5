import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { checkConditions } from '../object/conditions.js';
import {
  copySourceVersionHeaders,
  loadSourceBucket,
  loadSourceObject,
  parseCopySource,
} from '../object/copy-source.js';
import { writeBlob } from '../object/encrypted-blob.js';
import { quoteEtag } from '../object/object-headers.js';
import { openObjectRange } from '../object/read-object.js';
import { followSymlink } from '../object/resolve-symlink.js';
import { commitPart, loadUpload, MAX_PART_BYTES, partNumberParam, releaseBlobs } from './multipart-common.js';

const MAX_ATTEMPTS = 5;

/** `x-oss-copy-source-range: bytes=a-b` (inclusive) within the source; absent → the whole source. */
export function parseCopyRange(value: string | undefined, size: number): [number, number] {
  if (value === undefined) return [0, size - 1];
  const m = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  const start = m ? Number(m[1]) : Number.NaN;
  const end = m ? Number(m[2]) : Number.NaN;
  if (!m || start > end || end >= size) {
    throw new OssError('InvalidArgument', {
      message: 'The x-oss-copy-source-range is invalid.',
      extra: { ArgumentName: 'x-oss-copy-source-range', ArgumentValue: value },
    });
  }
  return [start, end];
}

/**
 * UploadPartCopy: `PUT /b/k?partNumber=N&uploadId=ID` + `x-oss-copy-source` (+ `-range`). The source
 * range is streamed into a new part blob; the caller must be allowed to read the source.
 */
export const uploadPartCopy: Handler = async (ctx, s) => {
  ctx.req.resume();
  const { headers } = ctx;
  const partNumber = partNumberParam(ctx.params.get('partNumber'));
  const source = parseCopySource(headers['x-oss-copy-source']);
  const upload = await loadUpload(ctx, s);
  const srcBucket = await loadSourceBucket(ctx, s, source.bucket);
  for (let attempt = 1; ; attempt++) {
    const stored = await loadSourceObject(ctx, s, srcBucket, source);
    const src = await followSymlink(s, stored, { requester: ctx.requester, bucket: srcBucket, operation: 'GetObject' });
    checkConditions(headers, src, 'x-oss-copy-source-');
    const [start, end] = parseCopyRange(headers['x-oss-copy-source-range'], src.size);
    const length = end - start + 1;
    if (length > MAX_PART_BYTES) throw new OssError('EntityTooLarge', { ec: '0016-00000711' });
    let stream: Awaited<ReturnType<typeof openObjectRange>>;
    try {
      stream = await openObjectRange(s, src, start, end);
    } catch (err) {
      // An overwrite released the source blob between our metadata read and the open: read again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
    const written = await writeBlob(s, stream, { maxBytes: length }, upload.template.sseKey);
    if (written.size !== length) {
      await releaseBlobs(s, [written.blob]);
      if (attempt < MAX_ATTEMPTS) continue;
      throw new OssError('InternalError', { message: 'The copy source changed while it was being read.' });
    }
    const lastModified = Date.now();
    const etag = await commitPart(s, upload.uploadId, partNumber, written, lastModified);
    return xmlResponse(renderXml('CopyPartResult', { LastModified: ossXmlDate(lastModified), ETag: quoteEtag(etag) }), {
      etag: quoteEtag(etag),
      'x-oss-hash-crc64ecma': written.crc64,
      ...copySourceVersionHeaders(srcBucket, stored),
    });
  }
};
