import { ImageSniffer } from '../../callback/image-info.js';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import { StorageError } from '../../storage/errors.js';
import type { BlobWriteResult } from '../../storage/types.js';
import { MAX_OBJECT_BYTES } from './object-headers.js';

export interface StoredBody extends BlobWriteResult {
  imageInfo?: { width: number; height: number; format: string };
}

/**
 * Streams the request body into a new durable blob (MD5 + CRC64 + optional image sniffing in one pass),
 * checks Content-MD5, and maps storage failures to OSS errors. The blob is not yet visible.
 */
export async function storeBody(
  ctx: RequestContext,
  s: Services,
  options: { expectedMd5?: Buffer; sniffImage?: boolean; maxBytes?: number },
): Promise<StoredBody> {
  const sniffer = options.sniffImage ? new ImageSniffer() : undefined;
  let stored: BlobWriteResult;
  try {
    stored = await s.blobs.write(ctx.req, {
      maxBytes: options.maxBytes ?? MAX_OBJECT_BYTES,
      onChunk: sniffer ? (c) => sniffer.push(c) : undefined,
    });
  } catch (err) {
    if (err instanceof StorageError && err.kind === 'too-large')
      throw new OssError('EntityTooLarge', { ec: '0016-00000711' });
    if (err instanceof StorageError && err.kind === 'client-aborted') {
      throw new OssError('InvalidRequest', { message: 'The client aborted the upload.', cause: err });
    }
    throw err;
  }
  ctx.bytesIn = stored.size;
  if (options.expectedMd5 && !options.expectedMd5.equals(stored.md5)) {
    await s.blobs.delete([stored.blob]);
    throw new OssError('InvalidDigest', {
      message: 'The Content-MD5 you specified did not match what we received.',
      ec: '0016-00000402',
    });
  }
  return { ...stored, imageInfo: sniffer?.result() };
}
