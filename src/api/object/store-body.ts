import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import { Crc64 } from '../../storage/crc64.js';
import { StorageError } from '../../storage/errors.js';
import { randomHex } from '../../storage/random-id.js';
import type { BlobWriteOptions, BlobWriteResult } from '../../storage/types.js';
import { encryptInline, withKeys, writeBlob } from './encrypted-blob.js';
import { MAX_OBJECT_BYTES } from './object-headers.js';

export interface StoredBody extends BlobWriteResult {
  imageInfo?: { width: number; height: number; format: string };
  /** The keyring key the stored bytes are encrypted with (as asked); `data` is then ciphertext. */
  sseKey?: string;
}

/**
 * Reads a small body into memory (hashing as it arrives) as a new inline blob: its bytes are stored with
 * the object's record in one metadata commit, so a group of small uploads shares one fsync.
 */
async function readInline(source: Readable, options: BlobWriteOptions): Promise<BlobWriteResult> {
  const md5 = createHash('md5');
  const crc = new Crc64();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of source.iterator({ destroyOnReturn: false })) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > options.maxBytes) throw new StorageError('too-large', 'entity too large');
      md5.update(chunk);
      crc.update(chunk);
      options.onChunk?.(chunk);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof StorageError) throw err;
    throw new StorageError('client-aborted', 'client aborted the upload', { cause: err });
  }
  const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  return { blob: `i${randomHex(16)}`, size, md5: md5.digest(), crc64: crc.digest(), data };
}

/** Whether the request declares a body small enough to keep inline (Content-Length ≤ --inline-max-bytes). */
function declaresInlineSize(ctx: RequestContext, s: Services): boolean {
  const declared = ctx.headers['content-length'];
  if (declared === undefined || ctx.headers['transfer-encoding'] !== undefined) return false;
  const n = Number(declared);
  return Number.isInteger(n) && n <= s.config.inlineMaxBytes;
}

/**
 * Streams the request body into a new durable blob (MD5 + CRC64 + optional image sniffing in one pass),
 * or with `allowInline` keeps a small one in memory as an inline blob (`data` set; the caller commits it
 * with the record). Checks Content-MD5 and maps storage failures to OSS errors. The blob is not yet visible.
 */
export async function storeBody(
  ctx: RequestContext,
  s: Services,
  options: { expectedMd5?: Buffer; sniffImage?: boolean; maxBytes?: number; allowInline?: boolean; sseKey?: string },
): Promise<StoredBody> {
  // image-size is loaded only for a callback body that asks for imageInfo.
  const sniffer = options.sniffImage ? new (await import('../../callback/image-info.js')).ImageSniffer() : undefined;
  let stored: BlobWriteResult;
  const writeOptions: BlobWriteOptions = {
    maxBytes: options.maxBytes ?? MAX_OBJECT_BYTES,
    onChunk: sniffer ? (c) => sniffer.push(c) : undefined,
  };
  try {
    if (options.allowInline && declaresInlineSize(ctx, s)) {
      stored = await readInline(ctx.req, writeOptions);
      if (options.sseKey && stored.data) {
        stored.data = await withKeys(s, async () => encryptInline(s, stored.blob, stored.data!, options.sseKey!));
      }
    } else stored = await writeBlob(s, ctx.req, writeOptions, options.sseKey);
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
  return { ...stored, imageInfo: sniffer?.result(), sseKey: options.sseKey };
}
