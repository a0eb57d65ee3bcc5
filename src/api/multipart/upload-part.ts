import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { parseContentMd5, quoteEtag } from '../object/object-headers.js';
import { storeBody } from '../object/store-body.js';
import { commitPart, loadUpload, MAX_PART_BYTES, partNumberParam } from './multipart-common.js';

/**
 * UploadPart: `PUT /b/k?partNumber=N&uploadId=ID`, body streamed into a new blob. Re-uploading a part
 * number replaces it (the old blob is released). Callback, meta and content headers that clients repeat
 * on every part are ignored.
 */
export const uploadPart: Handler = async (ctx, s) => {
  const partNumber = partNumberParam(ctx.params.get('partNumber'));
  // Unknown upload before reading the body: ali-oss's multipartUpload turns a 404 into an abort.
  const upload = await loadUpload(ctx, s);
  const declared = ctx.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_PART_BYTES) {
    throw new OssError('EntityTooLarge', { ec: '0016-00000711' });
  }
  const expectedMd5 = parseContentMd5(ctx.headers['content-md5']);
  const stored = await storeBody(ctx, s, { expectedMd5, maxBytes: MAX_PART_BYTES, sseKey: upload.template.sseKey });
  const etag = await commitPart(s, upload.uploadId, partNumber, stored);
  return {
    status: 200,
    headers: {
      etag: quoteEtag(etag),
      'x-oss-hash-crc64ecma': stored.crc64,
      'content-md5': stored.md5.toString('base64'),
    },
  };
};
